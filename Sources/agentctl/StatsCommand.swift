import AgentCore
import ArgumentParser

/// `agentctl stats`: agentd's counters.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show agentd's counters: queues, registry, coordination, server.",
        discussion: """
            One row per counter, grouped by part. docs/protocol.md says what each means. \
            --json prints agentd's reply: {"queues": {...}, "registry": {...}, \
            "coordination": {...}, "server": {...}}.

            Examples:
              agentctl stats
              agentctl stats --json | jq .queues.pending
            """
    )

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let stats = try await CommandSession.run(self.connection) { client in
            try await client.stats()
        }
        if self.connection.json {
            Output.json(stats)
            return
        }
        var table = TextTable(["PART", "COUNTER", "VALUE"])
        for (part, value) in stats {
            guard let counters = value.objectValue else {
                // A part a newer agentd adds as a plain value still shows.
                table.append([part, "", value.display])
                continue
            }
            for (name, counter) in counters {
                table.append([part, name, counter.display])
            }
        }
        Output.line(table.render())
    }
}
