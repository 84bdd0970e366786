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

    @OptionGroup var whose: DeadLetterOwner

    @Option(name: .long, help: "At most this many (1–1000; agentd's default 100).")
    var limit: Int?

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let messages = try await CommandSession.run(self.connection, role: self.whose.role.wireRole) { client in
            try await client.deadLetters(agent: self.whose.owner, limit: self.limit)
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
