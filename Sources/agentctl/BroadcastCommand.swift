import AgentCore
import ArgumentParser

/// `agentctl broadcast`: one copy of a message to every matching agent.
struct BroadcastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broadcast",
        abstract: "Send one copy of a message to every matching registered agent that is not offline.",
        discussion: """
            Registers as a supervisor first (see --as-role); agentctl's own agent gets no \
            copy. Prints how many inboxes got one. --json prints agentd's reply: \
            {"delivered_to": n}.

            Examples:
              agentctl broadcast --content '{"action":"pause"}' --role worker
              agentctl broadcast --type status_update --content @notice.json --capabilities gpu
            """
    )

    @Option(name: .long, help: "message_type of the copies.")
    var type = "coordination"

    @Option(name: .long, help: ArgumentHelp("content, a JSON object, or @FILE, or @- for stdin.", valueName: "json"))
    var content = "{}"

    @Option(name: .long, help: "low, medium (agentd's default), high or critical.")
    var priority: Priority?

    @Option(name: .long, help: "Only agents of this role: supervisor, coordinator, worker, monitor.")
    var role: String?

    @Option(
        name: .long,
        parsing: .singleValue,
        help: ArgumentHelp("Only agents holding every one of these (comma-separated, may repeat).", valueName: "list")
    )
    var capabilities: [String] = []

    @Option(name: .customLong("as-role"), help: RegistrationRole.help(defaultRole: .supervisor))
    var asRole: RegistrationRole = .supervisor

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let content = try JSONInput.object(self.content, option: "--content")
        let capabilities = CommaList.split(self.capabilities)
        let delivered = try await CommandSession.run(self.connection, role: self.asRole.wireRole) { client in
            try await client.broadcast(
                type: self.type,
                content: .object(content),
                priority: self.priority?.rawValue,
                role: self.role,
                capabilities: capabilities.isEmpty ? nil : capabilities
            )
        }
        if self.connection.json {
            Output.json(["delivered_to": .number(JSONNumber(delivered))])
        } else {
            Output.line("delivered to \(delivered) agent\(delivered == 1 ? "" : "s")")
        }
    }
}
