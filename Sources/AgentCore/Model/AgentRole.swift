/// What an agent is, as it registered.
public enum AgentRole: String, Sendable, CaseIterable {
    case supervisor
    case coordinator
    case worker
    case monitor

    /// May assign and cancel tasks and broadcast.
    public var mayCoordinate: Bool { self == .supervisor || self == .coordinator }
    /// Sees every task and every agent's dead letters.
    public var seesEverything: Bool { self != .worker }
}

/// An agent's availability as the registry reports it.
public enum AgentStatus: String, Sendable, CaseIterable {
    case active
    case busy
    case idle
    case draining
    case offline

    /// Whether tasks may be assigned to an agent in this status.
    public var acceptsTasks: Bool { self != .offline && self != .draining }
}
