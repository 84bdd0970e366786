import AgentCore
import ArgumentParser

/// `agentctl ack`: marks messages done.
struct AckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Ack messages that are in flight for an agent.",
        discussion: """
            Acks the ids as --agent and prints how many were in flight (ids already acked or \
            unknown are not an error; they are just not counted). A message is in flight only \
            while the connection it was delivered on is open, so this is for messages held by \
            another live connection of the same agent, e.g. a `tail --no-ack` or a stuck worker.

            Examples:
              agentctl ack --agent worker-1 m-5f0c1a2b-17
              agentctl fetch --agent worker-1 --json | jq -r '.messages[].message_id' \\
                | xargs agentctl ack --agent worker-1
            """
    )

    @Argument(help: ArgumentHelp("Message ids.", valueName: "id"))
    var ids: [String]

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func validate() throws {
        if self.ids.isEmpty {
            throw ValidationError("name at least one message id")
        }
    }

    func run() async throws {
        let acked = try await CommandSession.run(self.connection) { client in
            try await client.ack(self.ids)
        }
        if self.connection.json {
            Output.json(["acked": .number(JSONNumber(acked))])
        } else {
            Output.line("acked \(acked)")
        }
    }
}
