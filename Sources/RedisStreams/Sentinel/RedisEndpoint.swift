import NIOCore
import Synchronization

/// Where a connection to Redis goes: one fixed address, the master the sentinels name, or
/// any one of several servers (used to reach a sentinel).
///
/// Every connection of one client (the command connections of each event loop, the pub/sub
/// connection) asks the same endpoint before connecting, and tells it when a connection to an
/// address broke or found a replica there. With Sentinel the master's address is cached until
/// then, and asked again of the sentinels after; a `+switch-master` announcement (see
/// `SentinelWatcher`) replaces it at once and closes the connections still open to the old one.
public final class RedisEndpoint: Sendable {
    enum Kind: Sendable {
        case fixed(RedisAddress)
        case sentinel(RedisSentinelConfiguration)
        case anyOf([RedisAddress])
    }

    private struct State {
        /// The master as last learnt (sentinel), or the server in turn (any of).
        var current: RedisAddress?
        var next = 0
        var observers: [Int: @Sendable (RedisAddress) -> Void] = [:]
        var nextObserver = 0
    }

    let kind: Kind
    private let timeout: TimeAmount
    private let state = Mutex(State())

    /// The endpoint `configuration` describes: its sentinels when set, else `host:port`.
    public convenience init(configuration: RedisConfiguration) {
        let timeout = TimeAmount.nanoseconds(Int64(configuration.timeout / .nanoseconds(1)))
        if let sentinel = configuration.sentinel {
            self.init(kind: .sentinel(sentinel), timeout: timeout)
        } else {
            self.init(kind: .fixed(RedisAddress(host: configuration.host, port: configuration.port)), timeout: timeout)
        }
    }

    init(kind: Kind, timeout: TimeAmount) {
        self.kind = kind
        self.timeout = timeout
    }

    /// True when the master is found through Sentinel: connections then check that they
    /// reached a master, and give up on one that turned replica.
    public var followsFailovers: Bool {
        if case .sentinel = self.kind { return true }
        return false
    }

    /// The address to connect to now.
    func resolve(on loop: any EventLoop) -> EventLoopFuture<RedisAddress> {
        switch self.kind {
        case .fixed(let address):
            return loop.makeSucceededFuture(address)
        case .anyOf(let addresses):
            return self.state.withLock { state in
                guard !addresses.isEmpty else {
                    return loop.makeFailedFuture(RedisStreamsError.unreachable("no servers configured"))
                }
                return loop.makeSucceededFuture(addresses[state.next % addresses.count])
            }
        case .sentinel(let configuration):
            if let known = self.state.withLock({ $0.current }) {
                return loop.makeSucceededFuture(known)
            }
            return SentinelQuery.master(configuration, timeout: self.timeout, on: loop).map { address in
                self.state.withLock { $0.current = address }
                return address
            }
        }
    }

    /// A connection to `address` broke, or found no master there: the next connect asks
    /// again (sentinel) or tries the next server (any of).
    func lost(_ address: RedisAddress) {
        self.state.withLock { state in
            switch self.kind {
            case .fixed:
                break
            case .sentinel:
                if state.current == address { state.current = nil }
            case .anyOf(let addresses):
                if !addresses.isEmpty, addresses[state.next % addresses.count] == address { state.next += 1 }
            }
        }
    }

    /// The sentinels announced a new master: connect there from now on, and close what is
    /// open to any other address.
    func switched(to address: RedisAddress) {
        let observers = self.state.withLock { state -> [@Sendable (RedisAddress) -> Void] in
            guard state.current != address else { return [] }
            state.current = address
            return Array(state.observers.values)
        }
        for observer in observers { observer(address) }
    }

    /// Calls `observer` with the new master after each switch; returns a token for `unobserve`.
    func observe(_ observer: @escaping @Sendable (RedisAddress) -> Void) -> Int {
        self.state.withLock { state in
            state.nextObserver += 1
            state.observers[state.nextObserver] = observer
            return state.nextObserver
        }
    }

    func unobserve(_ token: Int) {
        self.state.withLock { _ = $0.observers.removeValue(forKey: token) }
    }
}
