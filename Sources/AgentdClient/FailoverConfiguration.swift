import NIOCore

/// How an ``AgentdClient`` with a list of servers finds one that answers, and what it does
/// when the one in use goes away.
///
/// One *failover* is the run of connection attempts from the first connect, or from the loss
/// of a working connection, until a server accepts: servers are tried round robin, starting
/// after the one lost, with a pause (``initialBackoff`` doubling up to ``maxBackoff``) after
/// every full round in which none answered. It gives up after ``maxAttempts`` attempts or
/// ``maxDuration``, whichever comes first.
public struct FailoverConfiguration: Sendable, Equatable {
    /// Whether a lost connection is replaced by one to the next server. Default true. When
    /// false, only the first connect tries the list; a loss then ends the client (requests
    /// fail with ``AgentdClientError/connectionClosed``), as a single connection does.
    public var reconnect: Bool
    /// Most connection attempts in one failover. Default 30.
    public var maxAttempts: Int
    /// Longest one failover may take before giving up. Default 30 s: long enough for a
    /// daemon's restart, short enough that a caller learns that agentd is gone.
    public var maxDuration: TimeAmount
    /// Pause after the first full round of failed attempts. Default 200 ms.
    public var initialBackoff: TimeAmount
    /// Longest pause between rounds (each pause doubles the last). Default 5 s.
    public var maxBackoff: TimeAmount
    /// How long a connection must have worked for its loss to start a new failover (fresh
    /// attempt count and backoff) rather than continue the last one. Default 1 s: a server
    /// that accepts and drops at once then costs backoff, not a busy loop.
    public var stableAfter: TimeAmount

    /// The defaults above, or the values given.
    public init(
        reconnect: Bool = true,
        maxAttempts: Int = 30,
        maxDuration: TimeAmount = .seconds(30),
        initialBackoff: TimeAmount = .milliseconds(200),
        maxBackoff: TimeAmount = .seconds(5),
        stableAfter: TimeAmount = .seconds(1)
    ) {
        self.reconnect = reconnect
        self.maxAttempts = max(1, maxAttempts)
        self.maxDuration = maxDuration
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.stableAfter = stableAfter
    }

    /// One attempt, no reconnect: what `connect(host:port:)` does.
    public static let never = FailoverConfiguration(reconnect: false, maxAttempts: 1)

    /// The pause after `rounds` full rounds without an answer (rounds ≥ 1).
    func backoff(afterRounds rounds: Int) -> TimeAmount {
        var pause = self.initialBackoff
        for _ in 1..<max(1, rounds) where pause < self.maxBackoff {
            pause = pause + pause
        }
        return min(pause, self.maxBackoff)
    }
}
