import AgentCore

/// The `registry` part of `stats`.
struct RegistryStats: Sendable {
    var totalAgents = 0
    var activeAgents = 0
    var offlineAgents = 0
    /// Mean `current_tasks / max_concurrent_tasks` over agents not offline.
    var averageLoad = 0.0
    /// Agents per status (for the `agentd_agents` gauge).
    var byStatus: [AgentStatus: Int] = [:]
}
