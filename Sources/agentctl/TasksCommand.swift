import AgentCore
import ArgumentParser

/// `agentctl tasks`: the task list.
struct TasksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks",
        abstract: "List tasks, newest first.",
        discussion: """
            agentctl registers its agent as a supervisor first (see --as-role), because only \
            supervisors, coordinators and monitors see every task; any other agent sees the \
            tasks it supervises or holds. --json prints agentd's reply: {"tasks": [TaskInfo...]}.

            Examples:
              agentctl tasks
              agentctl tasks --state pending
              agentctl tasks --assigned-to worker-1 --json | jq -r '.tasks[].task_id'
              agentctl tasks --agent boss --as-role none     # what boss supervises, as boss
            """
    )

    @Option(name: .long, help: "Only tasks in this state: pending, assigned, in_progress, completed, failed, timed_out, cancelled.")
    var state: String?

    @Option(name: .customLong("assigned-to"), help: ArgumentHelp("Only tasks held by this agent.", valueName: "id"))
    var assignedTo: String?

    @Option(name: .long, help: "At most this many (1–1000; agentd's default 100).")
    var limit: Int?

    @Option(name: .customLong("as-role"), help: RegistrationRole.help(defaultRole: .supervisor))
    var asRole: RegistrationRole = .supervisor

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let tasks = try await CommandSession.run(self.connection, role: self.asRole.wireRole) { client in
            try await client.tasks(state: self.state, assignedTo: self.assignedTo, limit: self.limit)
        }
        if self.connection.json {
            Output.json(["tasks": .array(tasks.map(JSONValue.object))])
            return
        }
        guard !tasks.isEmpty else {
            Output.note("no tasks")
            return
        }
        var table = TextTable(["TASK", "TYPE", "STATE", "PRIORITY", "ASSIGNED TO", "ATTEMPTS", "SUPERVISOR", "UPDATED"])
        for task in tasks {
            table.append([
                task.display("task_id"),
                task.display("task_type"),
                task.display("state"),
                task.display("priority"),
                task.display("assigned_to"),
                task.display("attempts"),
                task.display("supervisor"),
                task.display("updated_at"),
            ])
        }
        Output.line(table.render())
    }
}
