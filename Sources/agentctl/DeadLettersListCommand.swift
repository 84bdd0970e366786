import AgentCore
import ArgumentParser

/// `agentctl dead-letters list`.
struct DeadLettersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List dead letters, one line each.",
        discussion: """
            Each line is a message line (as fetch prints it) plus why and when it died. \
            --json prints agentd's reply: {"messages": [Message + "dead": {...}]}.

            Examples:
              agentctl dead-letters list --agent worker-1
              agentctl dead-letters list --for worker-1 --limit 20
            """
    )

    @Option(name: .customLong("for"), help: ArgumentHelp("Another agent's dead letters (needs a role, see --as-role).", valueName: "id"))
    var owner: String?

    @Option(name: .long, help: "At most this many (1–1000; agentd's default 100).")
    var limit: Int?

    @Option(
        name: .customLong("as-role"),
        help: ArgumentHelp(
            "Register with this role first (default: supervisor with --for, else none).",
            valueName: "role"
        )
    )
    var asRole: RegistrationRole?

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let role = self.asRole ?? (self.owner == nil ? RegistrationRole.none : .supervisor)
        let messages = try await CommandSession.run(self.connection, role: role.wireRole) { client in
            try await client.deadLetters(agent: self.owner, limit: self.limit)
        }
        if self.connection.json {
            Output.json(MessageLine.reply(messages))
            return
        }
        for message in messages {
            Output.line(MessageLine.format(message))
        }
        if messages.isEmpty {
            Output.note("no dead letters")
        }
    }
}
