import AgentCore
import ArgumentParser

/// `agentctl health`: is agentd's store up? Exit status 4 when not.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check agentd's health; exit status 4 when it is degraded.",
        discussion: """
            Prints "ok" or "degraded" with the store's state and the backend. Exit status: \
            0 ok, 4 degraded (agentd runs but cannot reach its store), 3 agentd unreachable. \
            --json prints agentd's reply: {"status", "store", "backend"}.

            Examples:
              agentctl health
              agentctl health --server 10.0.0.5:7420 || echo "agentd needs attention"
            """
    )

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let health = try await CommandSession.run(self.connection) { client in
            try await client.health()
        }
        if self.connection.json {
            Output.json(health)
        } else {
            Output.line("\(health.display("status"))  store \(health.display("store"))  backend \(health.display("backend"))")
        }
        guard health["status"] == .string("ok") else {
            throw CommandFailure.degraded
        }
    }
}
