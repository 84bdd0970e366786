import AgentCore
import ArgumentParser

/// `agentctl task ID`: one task in full.
struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Show one task: its fields and its history.",
        discussion: """
            Registers as a supervisor first, like `tasks`. An unknown id is agentd's not_found \
            (exit status 1). --json prints agentd's reply: {"task": TaskInfo}.

            Examples:
              agentctl task t-60ca7db8-1
              agentctl task t-60ca7db8-1 --json | jq -r .task.state
            """
    )

    @OptionGroup var target: TaskTarget

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let task = try await CommandSession.run(self.connection, role: self.target.asRole.wireRole) { client in
            try await client.task(self.target.id)
        }
        if self.connection.json {
            Output.json(["task": .object(task)])
        } else {
            Output.line(TaskDetail.render(task))
        }
    }
}
