import AgentCore
import AgentdConfig
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RedisStreams
import Testing

@testable import Broker

/// The backends the conformance suite runs against: memory always, Redis when
/// `AGENTD_TEST_REDIS=HOST:PORT` names a server (scripts/with-redis.sh sets it).
enum StoreBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case memory
    case redis

    var testDescription: String { self.rawValue }

    static var redisAddress: HostPort? {
        guard let value = ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"], !value.isEmpty else { return nil }
        return try? HostPort(parsing: value)
    }

    static var available: [StoreBackend] {
        self.redisAddress == nil ? [.memory] : [.memory, .redis]
    }
}

/// The store's clock as a test sees it. A memory store reads a clock the test sets by hand
/// (exact, and instant); Redis reads its own (`TIME`), which the test can only read and wait
/// for, on a machine that may stall for seconds under a full test run.
final class StoreClock: Sendable {
    private let manual: NIOLockedValueBox<Int64>?
    private let remote: (@Sendable () async throws -> Int64)?
    /// A short delay (ms) for things that must come due during a test.
    let delay: Int64

    private init(manual: Int64?, remote: (@Sendable () async throws -> Int64)?, delay: Int64) {
        self.manual = manual.map { NIOLockedValueBox($0) }
        self.remote = remote
        self.delay = delay
    }

    /// A hand-set clock, starting at a fixed epoch time.
    static func manual() -> StoreClock { StoreClock(manual: 1_795_602_660_000, remote: nil, delay: 5_000) }
    /// Redis' clock.
    static func redis(_ redis: RedisPrefix) -> StoreClock {
        StoreClock(manual: nil, remote: { try await redis.time() }, delay: 300)
    }

    /// Whether the clock only moves when the test moves it (times can then be checked to the
    /// millisecond).
    var isManual: Bool { self.manual != nil }

    /// What `MemoryStore(clock:)` reads.
    var read: @Sendable () -> Int64 {
        guard let manual = self.manual else { return WallClock.nowMilliseconds }
        return { manual.withLockedValue { $0 } }
    }

    /// The store's time now, in epoch milliseconds.
    func now() async throws -> Int64 {
        if let manual = self.manual { return manual.withLockedValue { $0 } }
        return try await self.remote?() ?? WallClock.nowMilliseconds()
    }

    /// Lets `milliseconds` pass on the store's clock (at least).
    func advance(_ milliseconds: Int64) async throws {
        if let manual = self.manual {
            manual.withLockedValue { $0 += milliseconds }
        } else {
            try await Task.sleep(for: .milliseconds(milliseconds))
        }
    }

    /// Returns once the store's clock reads `time` or later (a manual clock is set to it).
    func wait(until time: Int64) async throws {
        if let manual = self.manual {
            manual.withLockedValue { $0 = max($0, time) }
            return
        }
        while true {
            let now = try await self.now()
            guard now < time else { return }
            try await Task.sleep(for: .milliseconds(time - now))
        }
    }
}

/// Runs `body` with a fresh store of `backend`: a memory store on a manual clock, or a Redis
/// store as daemon `daemonID` on its own key prefix, whose keys are deleted afterwards.
func withClockedStore(
    _ backend: StoreBackend,
    daemonID: String = "test-daemon",
    _ body: (any MessageStore, any EventLoop, StoreClock) async throws -> Void
) async throws {
    switch backend {
    case .memory:
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let clock = StoreClock.manual()
        let store = MemoryStore(clock: clock.read)
        defer { store.shutdown() }
        try await body(store, loop, clock)
    case .redis:
        try await withRedisPrefix { redis in
            try await body(redis.store(daemonID: daemonID), redis.loop, .redis(redis))
        }
    }
}

/// `withClockedStore` for tests that need no clock.
func withStore(
    _ backend: StoreBackend,
    _ body: (any MessageStore, any EventLoop) async throws -> Void
) async throws {
    try await withClockedStore(backend) { store, loop, _ in try await body(store, loop) }
}

/// A fresh key prefix on the test Redis: stores of any daemon id on it, a raw client beside
/// them. Made by `withRedisPrefix`.
final class RedisPrefix: Sendable {
    let address: HostPort
    let configuration: AgentdConfiguration
    let client: RedisClient
    let loop: any EventLoop
    private let stores = NIOLockedValueBox<[RedisStore]>([])

    fileprivate init(address: HostPort) {
        self.address = address
        var configuration = AgentdConfiguration()
        configuration.redis = address
        configuration.keyPrefix = "ut-\(UUID().uuidString)"
        // Generous: the tests check behaviour, and a loaded 2-core machine can starve Redis.
        configuration.storeTimeoutMilliseconds = 10_000
        self.configuration = configuration
        self.loop = MultiThreadedEventLoopGroup.singleton.next()
        self.client = RedisClient(
            configuration: RedisConfiguration(host: address.host, port: address.port, timeout: .seconds(10))
        )
    }

    var prefix: String { self.configuration.keyPrefix }

    /// A key of this prefix: `key("q:{a}:medium")`.
    func key(_ suffix: String) -> String { self.prefix + ":" + suffix }

    /// A new store (a new instance, as a new process would be) as daemon `daemonID`; shut down
    /// with the prefix.
    func store(daemonID: String) -> RedisStore {
        let settings = RedisStore.Settings(
            host: self.address.host,
            port: self.address.port,
            timeoutMilliseconds: self.configuration.storeTimeoutMilliseconds,
            keyPrefix: self.configuration.keyPrefix
        )
        let store = RedisStore(settings: settings, daemonID: daemonID, loop: self.loop)
        self.stores.withLockedValue { $0.append(store) }
        return store
    }

    func execute(_ arguments: String...) async throws -> RedisReply {
        try await self.client.execute(RedisCommand(arguments.map { Array($0.utf8) }))
    }

    /// Redis' clock, in epoch milliseconds.
    func time() async throws -> Int64 {
        let reply = try await self.execute("TIME")
        let parts = try #require(reply.array?.compactMap(\.string).compactMap { Int64($0) })
        try #require(parts.count == 2)
        return parts[0] * 1_000 + parts[1] / 1_000
    }

    fileprivate func close() async throws {
        for store in self.stores.withLockedValue({ $0 }) {
            store.shutdown()
        }
        defer { self.client.shutdown() }
        let keys = try await self.client.execute(RedisCommand("KEYS", self.prefix + ":*")).array ?? []
        let names = keys.compactMap(\.bytes)
        if !names.isEmpty {
            _ = try await self.client.execute(RedisCommand([Array("DEL".utf8)] + names))
        }
    }
}

/// Runs `body` with a fresh `RedisPrefix` on the test Redis; afterwards its stores are shut
/// down and every key of the prefix deleted.
func withRedisPrefix(_ body: (RedisPrefix) async throws -> Void) async throws {
    let address = try #require(StoreBackend.redisAddress, "AGENTD_TEST_REDIS is not HOST:PORT")
    let redis = RedisPrefix(address: address)
    let outcome: Result<Void, any Error>
    do {
        try await body(redis)
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    try await redis.close()
    try outcome.get()
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(
    timeout: Duration = .seconds(5),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while true {
        if try await condition() { return true }
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Test messages: body `{"message_id":ID,"priority":P}`.
func testMessage(
    _ id: String,
    to recipient: String = "agent-a",
    priority: Priority = .medium,
    sender: String = "sender",
    clientChosen: Bool = false,
    ttl: Int64? = nil,
    delay: Int64? = nil
) -> NewMessage {
    NewMessage(
        messageID: id,
        clientChosenID: clientChosen,
        sender: sender,
        recipient: recipient,
        priority: priority,
        body: Array("{\"message_id\":\"\(id)\",\"priority\":\"\(priority.rawValue)\"}".utf8),
        ttlMilliseconds: ttl,
        delayMilliseconds: delay
    )
}

extension MessageStore {
    @discardableResult
    func send(_ message: NewMessage, window: Int = 600_000, on loop: any EventLoop) async throws -> SendOutcome {
        try await self.send(message, dedupWindowMilliseconds: window, on: loop).get()
    }

    func take(_ limit: Int = 100, from agent: String = "agent-a", on loop: any EventLoop) async throws -> TakeResult {
        try await self.take(TakeRequest(inbox: agent, limit: limit), on: loop).get()
    }

    func ack(_ refs: [EntryRef], from agent: String = "agent-a", on loop: any EventLoop) async throws -> Int {
        try await self.ack(inbox: agent, refs: refs, on: loop).get()
    }

    /// Releases `messages`, each with `deliveries` counted and `delay` ms to wait.
    @discardableResult
    func release(
        _ messages: [TakenMessage],
        deliveries: Int = 1,
        delay: Int64 = 0,
        from agent: String = "agent-a",
        on loop: any EventLoop
    ) async throws -> Int {
        let entries = messages.map { ReleasedEntry(ref: $0.ref, deliveries: deliveries, delayMilliseconds: delay) }
        return try await self.release(inbox: agent, entries: entries, on: loop).get()
    }

    func counters(on loop: any EventLoop) async throws -> StoreCounters {
        try await self.counters(on: loop).get()
    }
}

func ids(_ result: TakeResult) -> [String] {
    result.taken.map(\.messageID)
}
