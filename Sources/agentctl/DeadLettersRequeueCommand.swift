import AgentCore
import ArgumentParser

/// `agentctl dead-letters requeue`.
struct DeadLettersRequeueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract: "Put dead letters back in their inbox, with a fresh attempt count.",
        discussion: """
            Prints how many moved (ids that are not dead letters of that agent are not \
            counted). --json prints agentd's reply: {"requeued": n}.

            Examples:
              agentctl dead-letters requeue --agent worker-1 m-5f0c1a2b-17
              agentctl dead-letters requeue --for worker-1 m-5f0c1a2b-17 m-5f0c1a2b-18
            """
    )

    @Argument(help: ArgumentHelp("Message ids.", valueName: "id"))
    var ids: [String]

    @OptionGroup var whose: DeadLetterOwner

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func validate() throws {
        if self.ids.isEmpty {
            throw ValidationError("name at least one message id")
        }
    }

    func run() async throws {
        let requeued = try await CommandSession.run(self.connection, role: self.whose.role.wireRole) { client in
            try await client.requeueDead(self.ids, agent: self.whose.owner)
        }
        if self.connection.json {
            Output.json(["requeued": .number(JSONNumber(requeued))])
        } else {
            Output.line("requeued \(requeued)")
        }
    }
}
