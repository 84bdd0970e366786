import AgentCore

/// Who gets a task, and the order of `agents`: pure functions, tested without queues or clocks.
enum AgentSelection {
    /// Best first: lowest load (`current_tasks / max_concurrent_tasks`), then the most recent
    /// heartbeat, then agent id (so equal agents come in a stable order).
    static func isBetter(_ a: AgentRecord, than b: AgentRecord) -> Bool {
        let (la, lb) = (a.load, b.load)
        if la != lb { return la < lb }
        if a.lastHeartbeat != b.lastHeartbeat { return a.lastHeartbeat > b.lastHeartbeat }
        return a.agentID < b.agentID
    }

    /// The agent to assign a task needing `required` to: an available worker holding every
    /// capability; agents in `avoid` (earlier assignees) only when no other one qualifies.
    static func best(for required: [String], among agents: some Sequence<AgentRecord>, avoiding avoid: Set<String> = []) -> AgentRecord? {
        var best: AgentRecord?
        var fallback: AgentRecord?
        for agent in agents where agent.role == .worker && agent.isAvailable && agent.holds(required) {
            if avoid.contains(agent.agentID) {
                if fallback.map({ isBetter(agent, than: $0) }) ?? true { fallback = agent }
            } else if best.map({ isBetter(agent, than: $0) }) ?? true {
                best = agent
            }
        }
        return best ?? fallback
    }
}
