import AgentCore
import NIOConcurrencyHelpers

/// What sessions need to know about agents on every frame, behind a lock rather than the
/// registry's queue: a frame must not wait for a queue hop just to count as a sign of life.
///
/// Holds each agent's latest frame time, registered role (for role checks) and whether the
/// sweeper marked it offline. An agent that never registered is forgotten when its last
/// connection closes, so clients that make up a fresh agent id per run do not grow it.
final class AgentPresence: Sendable {
    private struct Entry {
        var lastSeen: Int64
        var role: AgentRole?
        var offline = false
        /// Connections that said hello as this agent and are still open.
        var connections = 0

        var isForgettable: Bool { self.role == nil && self.connections == 0 }
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    /// Records a frame from `agent`; true when the agent was offline and is now back.
    func touch(_ agent: String, now: Int64) -> Bool {
        self.entries.withLockedValue { entries in
            guard var entry = entries[agent] else {
                entries[agent] = Entry(lastSeen: now, role: nil)
                return false
            }
            entry.lastSeen = now
            let cameBack = entry.offline
            entry.offline = false
            entries[agent] = entry
            return cameBack
        }
    }

    /// A connection said hello as `agent`.
    func connected(_ agent: String, now: Int64) {
        self.entries.withLockedValue { entries in
            entries[agent, default: Entry(lastSeen: now, role: nil)].connections += 1
        }
    }

    /// A connection of `agent` closed.
    func disconnected(_ agent: String) {
        self.entries.withLockedValue { entries in
            guard var entry = entries[agent] else { return }
            entry.connections = max(0, entry.connections - 1)
            entries[agent] = entry.isForgettable ? nil : entry
        }
    }

    /// How many agents are known (for tests and the soak's leak checks).
    var count: Int {
        self.entries.withLockedValue { $0.count }
    }

    /// The latest frame time of `agent`, if any.
    func lastSeen(_ agent: String) -> Int64? {
        self.entries.withLockedValue { $0[agent]?.lastSeen }
    }

    /// The role `agent` registered as (nil before `register`).
    func role(of agent: String) -> AgentRole? {
        self.entries.withLockedValue { $0[agent]?.role }
    }

    func setRole(_ role: AgentRole?, for agent: String, now: Int64) {
        self.entries.withLockedValue { entries in
            var entry = entries[agent, default: Entry(lastSeen: now, role: nil)]
            entry.role = role
            entries[agent] = entry.isForgettable ? nil : entry
        }
    }

    func setOffline(_ offline: Bool, for agent: String) {
        self.entries.withLockedValue { $0[agent]?.offline = offline }
    }
}
