import AgentCore
import NIOCore

/// Every decision of a client's connection, as a value: which server to try next, when to
/// pause, when to give up, what to say again on a new connection, where a request goes.
///
/// The driver (`ClientConnection`) reports what happened — a connect that worked or failed,
/// a lost connection, agentd's `bye`, a reply to `hello` — naming the *generation* of the
/// connection it is about, and carries out the actions returned. Each connection attempt
/// (and each pause) gets a new generation, so a late report about an older one changes
/// nothing. No I/O and no clock: `now` is passed in, so tests run without sockets.
struct ConnectionStateMachine: Sendable {
    typealias Generation = UInt64

    /// What the driver must do, in order.
    enum Action: Sendable, Equatable {
        /// Open a connection to `servers[server]`; report `connected` or `connectFailed`.
        case connect(server: Int, generation: Generation)
        /// Report `backoffElapsed` at `until`.
        case sleep(until: NIODeadline, generation: Generation)
        /// Send the session's `hello` and `subscribe` on the new connection; report
        /// `restored` or `restoreFailed`.
        case restore(ClientSession, generation: Generation)
        /// The connection is usable: write the requests that wait for one; the first
        /// connect returns.
        case ready(server: Int, generation: Generation)
        /// Fail the requests still waiting for a reply on that connection with `error`.
        case failInFlight(generation: Generation, error: AgentdClientError)
        /// Close that connection (its loss is reported as usual).
        case close(generation: Generation)
        /// The end: fail the requests waiting for a connection, and every later one, with
        /// `error`; finish the event stream (and fail the first connect if still waiting).
        case finish(AgentdClientError)
    }

    /// Where a new request goes.
    enum Route: Sendable, Equatable {
        /// On this connection, now.
        case write(generation: Generation)
        /// Nowhere yet: it waits for the next `ready`.
        case wait
        /// Nowhere ever: fail it.
        case fail(AgentdClientError)
    }

    enum State: Sendable, Equatable {
        case idle
        case connecting(server: Int)
        case backingOff(next: Int)
        /// Connected; saying hello (and subscribing) again.
        case restoring(server: Int)
        case ready(server: Int, since: NIODeadline)
        /// agentd said `bye`: its close follows; new requests wait for the next connection.
        case draining(server: Int, since: NIODeadline)
        /// agentd refused the connection (`overloaded`); its close counts as a failed attempt.
        case refused(server: Int, reason: String)
        case closed(AgentdClientError)
    }

    /// The attempts since the first connect or since the loss of a working connection.
    private struct Failover: Sendable {
        var started: NIODeadline
        var attempts = 0
        var triedThisRound = 0
        var rounds = 0
        /// The last failure of each server, by index, for the error when giving up.
        var failures: [Int: String] = [:]
    }

    let servers: [ServerAddress]
    let configuration: FailoverConfiguration
    private(set) var state: State = .idle
    private(set) var generation: Generation = 0
    private(set) var session = ClientSession()
    /// The caller sent `bye`: the close that follows ends the client instead of failing over.
    private(set) var leaving = false
    private var failover = Failover(started: .uptimeNanoseconds(0))

    init(servers: [ServerAddress], configuration: FailoverConfiguration) {
        self.servers = servers
        self.configuration = configuration
    }

    /// The server of the usable connection, if there is one.
    var server: ServerAddress? {
        if case .ready(let server, _) = self.state { return self.servers[server] }
        return nil
    }

    // MARK: Connecting

    mutating func start(now: NIODeadline) -> [Action] {
        guard case .idle = self.state else { return [] }
        self.failover = Failover(started: now)
        guard !self.servers.isEmpty else { return self.giveUp() }
        return self.connect(0)
    }

    mutating func connected(_ generation: Generation, now: NIODeadline) -> [Action] {
        guard generation == self.generation, case .connecting(let server) = self.state else {
            // Closed meanwhile, or given up on: nobody wants this connection.
            return [.close(generation: generation)]
        }
        if self.session.hello != nil {
            self.state = .restoring(server: server)
            return [.restore(self.session, generation: generation)]
        }
        self.state = .ready(server: server, since: now)
        return [.ready(server: server, generation: generation)]
    }

    mutating func connectFailed(_ generation: Generation, reason: String, now: NIODeadline) -> [Action] {
        guard generation == self.generation, case .connecting(let server) = self.state else { return [] }
        return self.attemptFailed(server, reason: reason, now: now)
    }

    mutating func backoffElapsed(_ generation: Generation, now: NIODeadline) -> [Action] {
        guard generation == self.generation, case .backingOff(let next) = self.state else { return [] }
        return self.connect(next)
    }

    mutating func restored(_ generation: Generation, now: NIODeadline) -> [Action] {
        guard generation == self.generation, case .restoring(let server) = self.state else { return [] }
        self.state = .ready(server: server, since: now)
        return [.ready(server: server, generation: generation)]
    }

    /// Saying `hello` (or `subscribe`) again on the new connection failed with `error`.
    mutating func restoreFailed(_ generation: Generation, error: AgentdClientError, now: NIODeadline) -> [Action] {
        guard generation == self.generation, case .restoring(let server) = self.state else { return [] }
        if error.isRetryable || error.code == nil {
            // The connection broke, or this server is too busy: the next one may do.
            self.state = .refused(server: server, reason: "\(error)")
            return [.close(generation: generation)]
        }
        // agentd refused the session itself (a token withdrawn, say): the others would too.
        self.state = .closed(error)
        return [.close(generation: generation), .finish(error)]
    }

    // MARK: Losing a connection

    /// The connection of `generation` closed (whoever closed it).
    mutating func connectionLost(_ generation: Generation, now: NIODeadline) -> [Action] {
        guard generation == self.generation else { return [] }
        switch self.state {
        case .restoring(let server):
            return self.lostDuringAttempt(server, reason: "connection closed during hello", now: now)
        case .refused(let server, let reason):
            return self.lostDuringAttempt(server, reason: reason, now: now)
        case .ready(let server, let since), .draining(let server, let since):
            guard self.configuration.reconnect, !self.leaving else {
                self.state = .closed(.connectionClosed)
                return [.failInFlight(generation: generation, error: .connectionClosed), .finish(.connectionClosed)]
            }
            if now - since >= self.configuration.stableAfter {
                self.failover = Failover(started: now)
            }
            return self.lostDuringAttempt(server, reason: "connection lost", now: now)
        case .connecting:
            // The driver reports `connected` or `connectFailed` for this attempt, never both
            // and never after this, so the failure is counted there.
            return []
        case .idle, .backingOff, .closed:
            return []
        }
    }

    /// agentd sent its `bye` event on `generation`: it answered everything it had read,
    /// and will read nothing more.
    mutating func goodbye(_ generation: Generation, now: NIODeadline) -> [Action] {
        guard generation == self.generation, case .ready(let server, let since) = self.state else { return [] }
        self.state = .draining(server: server, since: since)
        // Without failover, agentd's own close ends the client, as it always did.
        return self.configuration.reconnect && !self.leaving ? [.close(generation: generation)] : []
    }

    /// agentd refused this connection: the `overloaded` line of a full server, or
    /// `overloaded` in reply to `hello`.
    mutating func refused(_ generation: Generation, reason: String) -> [Action] {
        guard generation == self.generation else { return [] }
        switch self.state {
        case .ready(let server, _), .restoring(let server), .draining(let server, _):
            self.state = .refused(server: server, reason: reason)
            return [.close(generation: generation)]
        case .idle, .connecting, .backingOff, .refused, .closed:
            return []
        }
    }

    /// The caller closes the client.
    mutating func close() -> [Action] {
        switch self.state {
        case .closed:
            return []
        case .connecting, .restoring, .ready, .draining, .refused:
            self.state = .closed(.connectionClosed)
            return [.close(generation: self.generation), .finish(.connectionClosed)]
        case .idle, .backingOff:
            self.state = .closed(.connectionClosed)
            return [.finish(.connectionClosed)]
        }
    }

    // MARK: Requests

    mutating func route(_ kind: RequestKind) -> Route {
        if case .bye = kind {
            self.leaving = true
        }
        switch self.state {
        case .ready:
            return .write(generation: self.generation)
        case .idle, .connecting, .backingOff, .restoring, .draining, .refused:
            return .wait
        case .closed(let error):
            return .fail(error)
        }
    }

    /// agentd answered a request of `kind` on `generation` (`error` nil when it said ok).
    mutating func replied(to kind: RequestKind, error: AgentdClientError?, generation: Generation) -> [Action] {
        switch (kind, error) {
        case (.hello(let fields), nil):
            self.session.hello = fields
        case (.subscribe(let fields), nil):
            self.session.subscription = fields
        case (.unsubscribe, nil):
            self.session.subscription = nil
        case (.hello, .server(code: "overloaded", let message)?):
            return self.refused(generation, reason: "overloaded: \(message)")
        default:
            break
        }
        return []
    }

    // MARK: Failover

    private mutating func lostDuringAttempt(_ server: Int, reason: String, now: NIODeadline) -> [Action] {
        let lost = self.generation
        let next = self.attemptFailed(server, reason: reason, now: now)
        // Requests cut off are worth retrying only if the client carries on.
        let error: AgentdClientError = next.contains { if case .finish = $0 { true } else { false } }
            ? .connectionClosed
            : .interrupted(server: self.servers[server])
        return [.failInFlight(generation: lost, error: error)] + next
    }

    private mutating func attemptFailed(_ server: Int, reason: String, now: NIODeadline) -> [Action] {
        self.failover.failures[server] = reason
        let deadline = self.failover.started + self.configuration.maxDuration
        guard self.failover.attempts < self.configuration.maxAttempts, now < deadline else {
            return self.giveUp()
        }
        let following = (server + 1) % self.servers.count
        guard self.failover.triedThisRound >= self.servers.count else {
            return self.connect(following)
        }
        self.failover.rounds += 1
        self.failover.triedThisRound = 0
        let until = now + self.configuration.backoff(afterRounds: self.failover.rounds)
        guard until < deadline else { return self.giveUp() }
        self.generation += 1
        self.state = .backingOff(next: following)
        return [.sleep(until: until, generation: self.generation)]
    }

    private mutating func connect(_ server: Int) -> [Action] {
        self.generation += 1
        self.failover.attempts += 1
        self.failover.triedThisRound += 1
        self.state = .connecting(server: server)
        return [.connect(server: server, generation: self.generation)]
    }

    private mutating func giveUp() -> [Action] {
        let failures = self.failover.failures.sorted { $0.key < $1.key }.map {
            ConnectFailure(server: self.servers[$0.key], reason: $0.value)
        }
        let error = AgentdClientError.unreachable(failures)
        self.state = .closed(error)
        return [.finish(error)]
    }
}
