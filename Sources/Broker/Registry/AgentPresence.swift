import AgentCore
import NIOConcurrencyHelpers

/// What sessions need to know about agents on every frame, behind a lock rather than the
/// registry's queue: a frame must not wait for a queue hop just to count as a sign of life.
///
/// Holds each agent's latest frame time, registered role (for role checks), and the agents
/// seen since the liveness flusher last wrote them to the store. An agent that never
/// registered is forgotten when its last connection closes, so clients that make up a fresh
/// agent id per run do not grow it.
final class AgentPresence: Sendable {
    private struct Entry {
        var lastSeen: Int64
        var role: AgentRole?
        /// Connections that said hello as this agent and are still open.
        var connections = 0

        var isForgettable: Bool { self.role == nil && self.connections == 0 }
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Registered agents with a frame since the last `drainSeen`.
        var seen: Set<String> = []
    }

    private let state = NIOLockedValueBox(State())

    /// Records a frame from `agent`, and answers the role it registered as (one lock for
    /// both: every frame asks).
    @discardableResult
    func touch(_ agent: String, now: Int64) -> AgentRole? {
        self.state.withLockedValue { state in
            guard var entry = state.entries[agent] else {
                state.entries[agent] = Entry(lastSeen: now, role: nil)
                return nil
            }
            entry.lastSeen = now
            state.entries[agent] = entry
            if entry.role != nil { state.seen.insert(agent) }
            return entry.role
        }
    }

    /// The agent's liveness up to `time` was written by an op of its own (a heartbeat): no
    /// need to write it again unless a later frame came.
    func written(_ agent: String, upTo time: Int64) {
        self.state.withLockedValue { state in
            if let entry = state.entries[agent], entry.lastSeen <= time { state.seen.remove(agent) }
        }
    }

    /// The registered agents that sent a frame since the last call, with their latest frame.
    func drainSeen() -> [(agent: String, lastSeen: Int64)] {
        self.state.withLockedValue { state in
            defer { state.seen.removeAll(keepingCapacity: true) }
            return state.seen.compactMap { agent in state.entries[agent].map { (agent, $0.lastSeen) } }
        }
    }

    /// A connection said hello as `agent`.
    func connected(_ agent: String, now: Int64) {
        self.state.withLockedValue { state in
            state.entries[agent, default: Entry(lastSeen: now, role: nil)].connections += 1
        }
    }

    /// A connection of `agent` closed.
    func disconnected(_ agent: String) {
        self.state.withLockedValue { state in
            guard var entry = state.entries[agent] else { return }
            entry.connections = max(0, entry.connections - 1)
            state.entries[agent] = entry.isForgettable ? nil : entry
        }
    }

    /// How many agents are known (for tests and the soak's leak checks).
    var count: Int {
        self.state.withLockedValue { $0.entries.count }
    }

    /// The latest frame time of `agent`, if any.
    func lastSeen(_ agent: String) -> Int64? {
        self.state.withLockedValue { $0.entries[agent]?.lastSeen }
    }

    /// The role `agent` registered as (nil before `register`).
    func role(of agent: String) -> AgentRole? {
        self.state.withLockedValue { $0.entries[agent]?.role }
    }

    func setRole(_ role: AgentRole?, for agent: String, now: Int64) {
        self.state.withLockedValue { state in
            var entry = state.entries[agent, default: Entry(lastSeen: now, role: nil)]
            entry.role = role
            state.entries[agent] = entry.isForgettable ? nil : entry
        }
    }
}
