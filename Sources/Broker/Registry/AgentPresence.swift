import AgentCore
import NIOConcurrencyHelpers

/// What sessions need to know about agents on every frame, behind a lock rather than the
/// registry's queue: a frame must not wait for a queue hop just to count as a sign of life.
///
/// Holds each agent's latest frame time, registered role (for role checks) and whether the
/// sweeper marked it offline.
final class AgentPresence: Sendable {
    private struct Entry {
        var lastSeen: Int64
        var role: AgentRole?
        var offline = false
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
            entries[agent, default: Entry(lastSeen: now, role: nil)].role = role
        }
    }

    func setOffline(_ offline: Bool, for agent: String) {
        self.entries.withLockedValue { $0[agent]?.offline = offline }
    }
}
