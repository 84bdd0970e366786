extension AgentdConfiguration {
    /// Where agentd keeps messages, agents and tasks (`backend`).
    public enum Backend: String, Sendable, Hashable, CaseIterable {
        /// Redis Streams: durable, shared by several agentd processes. The default.
        case redis
        /// In this process only: for tests and local experiments; lost on exit.
        case memory
    }
}
