import AgentCore
import ArgumentParser

/// `agentctl agents`: the registry.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "List registered agents, best first.",
        discussion: """
            Best first means lowest load (current tasks / max concurrent tasks), then the \
            freshest heartbeat. Offline agents are listed too unless --available. \
            --json prints agentd's reply: {"agents": [AgentInfo...]}.

            Examples:
              agentctl agents
              agentctl agents --role worker --capabilities gpu,py --available
              agentctl agents --json | jq -r '.agents[] | select(.status == "offline") | .agent_id'
            """
    )

    @Option(
        name: .long,
        parsing: .singleValue,
        help: ArgumentHelp("Only agents holding every one of these (comma-separated, may repeat).", valueName: "list")
    )
    var capabilities: [String] = []

    @Option(name: .long, help: "Only agents of this role: supervisor, coordinator, worker, monitor.")
    var role: String?

    @Flag(name: .long, help: "Only agents that could take a task now (not offline or draining, below their limit).")
    var available = false

    @Option(name: .long, help: "At most this many (1–1000; agentd's default 100).")
    var limit: Int?

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let capabilities = CommaList.split(self.capabilities)
        let agents = try await CommandSession.run(self.connection) { client in
            try await client.agents(
                capabilities: capabilities.isEmpty ? nil : capabilities,
                role: self.role,
                available: self.available ? true : nil,
                limit: self.limit
            )
        }
        if self.connection.json {
            Output.json(["agents": .array(agents.map(JSONValue.object))])
            return
        }
        guard !agents.isEmpty else {
            Output.note("no agents")
            return
        }
        var table = TextTable(["AGENT", "ROLE", "STATUS", "TASKS", "CAPABILITIES", "LAST HEARTBEAT"])
        for agent in agents {
            table.append([
                agent.display("agent_id"),
                agent.display("role"),
                agent.display("status"),
                "\(agent.display("current_tasks"))/\(agent.display("max_concurrent_tasks"))",
                agent.display("capabilities"),
                agent.display("last_heartbeat"),
            ])
        }
        Output.line(table.render())
    }
}
