import AgentCore
import ArgumentParser

/// `agentctl cancel ID`: cancels a task.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a task; its worker gets a coordination cancel message.",
        discussion: """
            Registers as a supervisor first (see --as-role). Prints "<task id> <state>": \
            cancelled, or the state it already ended in (cancelling a finished task changes \
            nothing). --json prints agentd's reply: {"task": TaskInfo}.

            Examples:
              agentctl cancel t-60ca7db8-4
              agentctl cancel --agent ops t-60ca7db8-4 --json | jq -r .task.state
            """
    )

    @OptionGroup var target: TaskTarget

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let task = try await CommandSession.run(self.connection, role: self.target.asRole.wireRole) { client in
            try await client.cancelTask(self.target.id)
        }
        if self.connection.json {
            Output.json(["task": .object(task)])
        } else {
            Output.line("\(task.display("task_id")) \(task.display("state"))")
        }
    }
}
