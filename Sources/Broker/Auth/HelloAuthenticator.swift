import AgentCore
import AgentdAuth
import NIOConcurrencyHelpers
import NIOCore

/// Checks the token of each `hello` when `auth.mode = token`, and slows down failed ones.
///
/// The table is replaced whole on SIGHUP (`replaceTable`); sessions that already said hello
/// keep the roles they were given. Thread-safe: the table and the throttle are each behind
/// their own lock, and hashing happens outside both.
public final class HelloAuthenticator: Sendable {
    /// The same reply whatever was wrong (no token, wrong token, unknown agent), so a caller
    /// learns nothing about which agent ids exist.
    static let refusal = "hello: unknown agent or wrong token"

    /// Also read by the admin port's bearer check (`Broker+Admin.swift`).
    let table: NIOLockedValueBox<TokenTable>
    private let throttle = NIOLockedValueBox(FailedHelloThrottle())

    /// Checks hellos against `table`.
    public init(table: TokenTable) {
        self.table = NIOLockedValueBox(table)
    }

    /// Uses `table` from now on (the tokens file was re-read); existing sessions keep their roles.
    public func replaceTable(_ table: TokenTable) {
        self.table.withLockedValue { $0 = table }
    }

    /// Entries in the table now.
    public var entryCount: Int {
        self.table.withLockedValue { $0.entries.count }
    }

    /// Failed hellos since start.
    public var failureCount: Int {
        self.throttle.withLockedValue { $0.total }
    }

    /// The roles `agent` may register as with `token`, or nil when the hello is refused.
    func roles(agent: String, token: String?) -> Set<AgentRole>? {
        // Copy out under the lock (copy-on-write, no entry is copied) and hash outside it.
        let table = self.table.withLockedValue { $0 }
        // A missing token is checked like an empty one, so it costs the same work.
        guard let names = table.authenticate(agent: agent, token: token ?? ""), token != nil else { return nil }
        return Set(names.compactMap(AgentRole.init(rawValue:)))
    }

    /// Counts a failed hello from `address` and returns how long its reply is held back.
    func failed(from address: String) -> TimeAmount {
        let now = Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
        let delay = self.throttle.withLockedValue { $0.recordFailure(from: address, now: now) }
        return .milliseconds(delay)
    }
}
