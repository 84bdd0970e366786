import AgentCore
import AgentdClient
import ArgumentParser
import NIOCore

/// `agentctl fetch`: takes messages from the agent's inbox.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Take messages from an agent's inbox and print them, one line each.",
        discussion: """
            Reads the inbox of --agent, highest priority first. Each line is: id, timestamp, \
            priority, type, from -> to, attempt, content (JSON). Without --ack the messages are \
            only looked at: when agentctl disconnects they become deliverable again at once \
            (their next delivery counts one more attempt). With --ack they are done for good.
            --json prints agentd's reply: {"messages": [...]}.

            Examples:
              agentctl fetch --agent worker-1
              agentctl fetch --agent worker-1 --limit 100 --wait 10s --ack
              agentctl fetch --agent worker-1 --json | jq '.messages[].content'
            """
    )

    @Option(name: .long, help: "At most this many messages (1–1000).")
    var limit = 10

    @Option(name: .long, help: ArgumentHelp("Wait up to this long for a first message (at most 30s).", valueName: "duration"))
    var wait: DurationArgument?

    @Flag(name: .long, help: "Ack the messages after printing them.")
    var ack = false

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        try await CommandSession.run(self.connection) { client in
            let messages = try await client.fetch(limit: self.limit, wait: self.wait?.timeAmount ?? .zero)
            self.print(messages)
            guard self.ack, !messages.isEmpty else { return }
            // Printed first, acked second: if the ack fails the exit status says so and the
            // messages come back, so nothing is lost (at least once, as agentd itself).
            let acked = try await client.ack(messages.map(\.messageID))
            if !self.connection.json {
                Output.note("acked \(acked)")
            }
        }
    }

    private func print(_ messages: [DeliveredMessage]) {
        if self.connection.json {
            Output.json(MessageLine.reply(messages))
            return
        }
        for message in messages {
            Output.line(MessageLine.format(message))
        }
        if messages.isEmpty {
            Output.note("no messages")
        }
    }
}
