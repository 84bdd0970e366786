import AgentCore
import AgentdConfig
import Foundation
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

/// Runs `body` with a fresh store of `backend`; a Redis store gets its own key prefix, whose keys
/// are deleted afterwards.
func withStore(
    _ backend: StoreBackend,
    _ body: (any MessageStore, any EventLoop) async throws -> Void
) async throws {
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    switch backend {
    case .memory:
        let store = MemoryStore()
        defer { store.shutdown() }
        try await body(store, loop)
    case .redis:
        let address = try #require(StoreBackend.redisAddress, "AGENTD_TEST_REDIS is not HOST:PORT")
        var configuration = AgentdConfiguration()
        configuration.redis = address
        configuration.keyPrefix = "ut-\(UUID().uuidString)"
        let store = RedisStore(configuration: configuration)
        let outcome: Result<Void, any Error>
        do {
            try await body(store, loop)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        store.shutdown()
        try await deleteRedisKeys(address: address, prefix: configuration.keyPrefix)
        try outcome.get()
    }
}

private func deleteRedisKeys(address: HostPort, prefix: String) async throws {
    let client = RedisClient(
        configuration: RedisConfiguration(host: address.host, port: address.port, timeout: .seconds(2))
    )
    defer { client.shutdown() }
    let keys = try await client.execute(RedisCommand("KEYS", prefix + ":*")).array ?? []
    let names = keys.compactMap(\.bytes)
    if !names.isEmpty {
        _ = try await client.execute(RedisCommand([Array("DEL".utf8)] + names))
    }
}

// MARK: Helpers

private let inbox = "agent-a"

private func message(
    _ id: String,
    to recipient: String = inbox,
    priority: Priority = .medium,
    sender: String = "sender",
    clientChosen: Bool = false,
    expiresAt: Int64? = nil,
    dueAt: Int64? = nil
) -> NewMessage {
    NewMessage(
        messageID: id,
        clientChosenID: clientChosen,
        sender: sender,
        recipient: recipient,
        priority: priority,
        body: Array("{\"message_id\":\"\(id)\",\"priority\":\"\(priority.rawValue)\"}".utf8),
        expiresAt: expiresAt,
        dueAt: dueAt
    )
}

private extension MessageStore {
    @discardableResult
    func send(_ message: NewMessage, window: Int = 600_000, on loop: any EventLoop) async throws -> SendOutcome {
        try await self.send(message, dedupWindowMilliseconds: window, on: loop).get()
    }

    func take(
        _ limit: Int = 100,
        retries: [Priority: [EntryID]] = [:],
        now: Int64 = WallClock.nowMilliseconds(),
        from agent: String = inbox,
        on loop: any EventLoop
    ) async throws -> TakeResult {
        try await self.take(TakeRequest(inbox: agent, retries: retries, limit: limit, now: now), on: loop).get()
    }

    func ack(_ refs: [EntryRef], on loop: any EventLoop) async throws -> Int {
        try await self.ack(inbox: inbox, refs: refs, on: loop).get()
    }

    func counters(on loop: any EventLoop) async throws -> StoreCounters {
        try await self.counters(on: loop).get()
    }
}

private func ids(_ result: TakeResult) -> [String] {
    result.taken.map(\.messageID)
}

/// The retry lists a take request would carry for `messages`.
private func retries(_ messages: [TakenMessage]) -> [Priority: [EntryID]] {
    var out: [Priority: [EntryID]] = [:]
    for message in messages {
        out[message.ref.priority, default: []].append(message.ref.entryID)
    }
    return out
}

// MARK: Suite

@Suite struct MessageStoreConformanceTests {
    @Test(arguments: StoreBackend.available)
    func sendThenTake(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.send(message("m1", priority: .high), on: loop) == .stored)
            let result = try await store.take(on: loop)
            let taken = try #require(result.taken.first)
            #expect(result.taken.count == 1)
            #expect(taken.messageID == "m1")
            #expect(taken.body == message("m1", priority: .high).body)
            #expect(taken.isRetry == false)
            #expect(taken.ref.priority == .high)
            #expect(result.dropped.isEmpty)
            #expect(result.expired == 0)
            #expect(result.exhausted)
            // Taken once, it is not new any more.
            #expect(try await store.take(on: loop).taken.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func inboxesAreSeparate(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("for-b", to: "agent-b"), on: loop)
            #expect(try await store.take(on: loop).taken.isEmpty)
            #expect(ids(try await store.take(from: "agent-b", on: loop)) == ["for-b"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func priorityOrderThenFIFO(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let sends: [(String, Priority)] = [
                ("low-1", .low), ("medium-1", .medium), ("critical-1", .critical), ("high-1", .high),
                ("medium-2", .medium), ("critical-2", .critical), ("low-2", .low), ("medium-3", .medium),
            ]
            for (id, priority) in sends {
                try await store.send(message(id, priority: priority), on: loop)
            }
            let result = try await store.take(on: loop)
            #expect(ids(result) == ["critical-1", "critical-2", "high-1", "medium-1", "medium-2", "medium-3", "low-1", "low-2"])
            #expect(result.taken.map(\.ref.priority) == [.critical, .critical, .high, .medium, .medium, .medium, .low, .low])
            // Entry ids order a priority's entries oldest first.
            let medium = result.taken.filter { $0.ref.priority == .medium }.map(\.ref.entryID)
            #expect(medium == medium.sorted())
        }
    }

    @Test(arguments: StoreBackend.available)
    func takeLimit(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            for n in 1...5 {
                try await store.send(message("m\(n)"), on: loop)
            }
            let first = try await store.take(2, on: loop)
            #expect(ids(first) == ["m1", "m2"])
            #expect(first.exhausted == false)
            let rest = try await store.take(10, on: loop)
            #expect(ids(rest) == ["m3", "m4", "m5"])
            #expect(rest.exhausted)
        }
    }

    @Test(arguments: StoreBackend.available)
    func notExhaustedWhileALowerPriorityHasUnread(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("c1", priority: .critical), on: loop)
            try await store.send(message("m1", priority: .medium), on: loop)
            let first = try await store.take(1, on: loop)
            #expect(ids(first) == ["c1"])
            // `exhausted` makes the engine stop asking for new messages; m1 is still unread.
            #expect(first.exhausted == false)
            #expect(ids(try await store.take(1, on: loop)) == ["m1"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func retriesComeBeforeNewMessagesOfTheirPriority(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("h1", priority: .high), on: loop)
            try await store.send(message("m1"), on: loop)
            try await store.send(message("m2"), on: loop)
            let first = try await store.take(2, on: loop)
            #expect(ids(first) == ["h1", "m1"])
            try await store.send(message("m3"), on: loop)
            try await store.send(message("l1", priority: .low), on: loop)

            // Retries listed out of order still come back oldest first within their priority
            // when the engine sorts them; here they are passed in order.
            let again = try await store.take(10, retries: retries(first.taken), on: loop)
            #expect(ids(again) == ["h1", "m1", "m2", "m3", "l1"])
            #expect(again.taken.map(\.isRetry) == [true, true, false, false, false])
            #expect(again.taken[0].ref == first.taken[0].ref)
            #expect(again.taken[1].ref == first.taken[1].ref)
            #expect(again.dropped.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func newMessagesOfAHigherPriorityComeBeforeRetriesOfALowerOne(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("m1"), on: loop)
            let first = try await store.take(on: loop)
            try await store.send(message("c1", priority: .critical), on: loop)
            let again = try await store.take(retries: retries(first.taken), on: loop)
            #expect(ids(again) == ["c1", "m1"])
            #expect(again.taken.map(\.isRetry) == [false, true])
        }
    }

    @Test(arguments: StoreBackend.available)
    func retriesCountAgainstTheLimit(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            for n in 1...3 {
                try await store.send(message("m\(n)"), on: loop)
            }
            let first = try await store.take(2, on: loop)
            let again = try await store.take(2, retries: retries(first.taken), on: loop)
            #expect(ids(again) == ["m1", "m2"])
            #expect(again.taken.map(\.isRetry) == [true, true])
            #expect(ids(try await store.take(2, on: loop)) == ["m3"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func ackRemoves(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("m1"), on: loop)
            try await store.send(message("m2", priority: .low), on: loop)
            let taken = try await store.take(on: loop).taken
            #expect(try await store.ack(taken.map(\.ref), on: loop) == 2)
            #expect(try await store.ack(taken.map(\.ref), on: loop) == 0)
            let unknown = EntryRef(priority: .high, entryID: EntryID(high: 1, low: 1))
            #expect(try await store.ack([unknown], on: loop) == 0)

            // The engine may still hold retries of an acked entry: they come back as dropped.
            let again = try await store.take(retries: retries(taken), on: loop)
            #expect(again.taken.isEmpty)
            #expect(Set(again.dropped) == Set(taken.map(\.ref)))
            #expect(again.expired == 0)

            let counters = try await store.counters(on: loop)
            #expect(counters.acked == 2)
            #expect(counters.pending == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func dedupDuplicateAndConflict(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.send(message("x", sender: "s1", clientChosen: true), on: loop) == .stored)
            #expect(try await store.send(message("x", sender: "s1", clientChosen: true), on: loop) == .duplicate)
            #expect(try await store.send(message("x", sender: "s2", clientChosen: true), on: loop) == .conflict)
            #expect(ids(try await store.take(on: loop)) == ["x"])
            let counters = try await store.counters(on: loop)
            #expect(counters.sent == 1)
            #expect(counters.pending == 1)
        }
    }

    @Test(arguments: StoreBackend.available)
    func dedupForgetsAfterTheWindow(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.send(message("y", clientChosen: true), window: 1, on: loop) == .stored)
            try await Task.sleep(for: .milliseconds(20))
            #expect(try await store.send(message("y", clientChosen: true), window: 1, on: loop) == .stored)
            #expect(try await store.counters(on: loop).sent == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func serverChosenIDsAreNotDeduplicated(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let first = try await store.send(message("z"), on: loop)
            let second = try await store.send(message("z", sender: "other"), on: loop)
            #expect([first, second] == [.stored, .stored])
            #expect(try await store.take(on: loop).taken.count == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func expiredMessagesAreDroppedAndCounted(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let base = WallClock.nowMilliseconds()
            try await store.send(message("short", expiresAt: base + 1_000), on: loop)
            try await store.send(message("keep"), on: loop)
            try await store.send(message("long", expiresAt: base + 10_000), on: loop)
            let result = try await store.take(now: base + 2_000, on: loop)
            #expect(ids(result) == ["keep", "long"])
            #expect(result.expired == 1)
            let counters = try await store.counters(on: loop)
            #expect(counters.expired == 1)
            #expect(counters.sent == 3)
            #expect(counters.pending == 2)
            #expect(counters.delivered == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func expiryAtExactlyNowExpires(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let base = WallClock.nowMilliseconds()
            try await store.send(message("edge", expiresAt: base + 500), on: loop)
            #expect(ids(try await store.take(now: base + 499, on: loop)) == ["edge"])
            try await store.send(message("edge2", expiresAt: base + 500), on: loop)
            let result = try await store.take(now: base + 500, on: loop)
            #expect(result.taken.isEmpty)
            #expect(result.expired == 1)
        }
    }

    @Test(arguments: StoreBackend.available)
    func expiredRetryIsDroppedAndCounted(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let base = WallClock.nowMilliseconds()
            try await store.send(message("e", expiresAt: base + 1_000), on: loop)
            let first = try await store.take(now: base, on: loop)
            #expect(ids(first) == ["e"])
            let again = try await store.take(retries: retries(first.taken), now: base + 5_000, on: loop)
            #expect(again.taken.isEmpty)
            #expect(again.dropped == first.taken.map(\.ref))
            #expect(again.expired == 1)
            let counters = try await store.counters(on: loop)
            #expect(counters.expired == 1)
            #expect(counters.pending == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func delayedMessagesWaitForPromotion(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let due = WallClock.nowMilliseconds() + 60_000
            try await store.send(message("later", dueAt: due), on: loop)
            try await store.send(message("now"), on: loop)
            #expect(ids(try await store.take(now: due + 1, on: loop)) == ["now"])

            let early = try await store.promoteDue(now: due - 1, on: loop).get()
            #expect(early.inboxes.isEmpty)
            #expect(early.nextDue == due)
            #expect(try await store.take(now: due + 1, on: loop).taken.isEmpty)

            let promoted = try await store.promoteDue(now: due, on: loop).get()
            #expect(promoted.inboxes == [inbox])
            #expect(promoted.nextDue == nil)
            let result = try await store.take(now: due + 1, on: loop)
            #expect(ids(result) == ["later"])
            #expect(result.taken.first?.isRetry == false)

            let counters = try await store.counters(on: loop)
            #expect(counters.sent == 2)
            #expect(counters.delivered == 2)
        }
    }

    @Test(arguments: StoreBackend.available)
    func delayedMessagesPromoteInDueOrder(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let base = WallClock.nowMilliseconds() + 60_000
            try await store.send(message("second", dueAt: base + 20), on: loop)
            try await store.send(message("first", dueAt: base + 10), on: loop)
            try await store.send(message("third", to: "agent-b", dueAt: base + 30), on: loop)
            let promoted = try await store.promoteDue(now: base + 20, on: loop).get()
            #expect(promoted.inboxes == [inbox])
            #expect(promoted.nextDue == base + 30)
            #expect(ids(try await store.take(on: loop)) == ["first", "second"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func recoverReportsTheNextDelayedMessage(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.recover(on: loop).get().nextDue == nil)
            let due = WallClock.nowMilliseconds() + 60_000
            try await store.send(message("d", dueAt: due), on: loop)
            #expect(try await store.recover(on: loop).get().nextDue == due)
        }
    }

    @Test(arguments: StoreBackend.available)
    func deadLetterListRequeue(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("doomed", priority: .high), on: loop)
            try await store.send(message("fine"), on: loop)
            let taken = try await store.take(on: loop).taken
            let doomed = try #require(taken.first { $0.messageID == "doomed" })
            let at = Timestamp(millisecondsSinceEpoch: 1_795_602_660_123)
            let reason = DeadLetterReason(reason: "max_deliveries", attempts: 5, at: at)
            try await store.deadLetter(inbox: inbox, ref: doomed.ref, reason: reason, on: loop).get()

            let letters = try await store.deadLetters(inbox: inbox, limit: 10, on: loop).get()
            #expect(letters.count == 1)
            let first = try #require(letters.first)
            let letter = try #require(try JSONParser.parse(first.json).objectValue)
            #expect(letter["message_id"] == "doomed")
            #expect(letter["priority"] == "high")
            #expect(letter["dead"] == ["reason": "max_deliveries", "attempts": 5, "at": "2026-11-25T10:31:00.123Z"])
            #expect(try await store.deadLetters(inbox: "agent-b", limit: 10, on: loop).get().isEmpty)

            var counters = try await store.counters(on: loop)
            #expect(counters.dead == 1)
            #expect(counters.pending == 1)

            // A dead message is no longer in flight: its retry is dropped, its ack counts 0.
            let retry = try await store.take(retries: retries([doomed]), on: loop)
            #expect(retry.taken.isEmpty)
            #expect(retry.dropped == [doomed.ref])
            #expect(try await store.ack([doomed.ref], on: loop) == 0)

            #expect(try await store.requeueDead(inbox: inbox, messageIDs: ["doomed", "unknown"], on: loop).get() == 1)
            #expect(try await store.deadLetters(inbox: inbox, limit: 10, on: loop).get().isEmpty)
            #expect(try await store.requeueDead(inbox: inbox, messageIDs: ["doomed"], on: loop).get() == 0)
            counters = try await store.counters(on: loop)
            #expect(counters.dead == 0)
            #expect(counters.pending == 2)

            // Back as a new message of its priority, body as stored.
            let back = try await store.take(on: loop)
            #expect(ids(back) == ["doomed"])
            let requeued = try #require(back.taken.first)
            #expect(requeued.isRetry == false)
            #expect(requeued.ref.priority == .high)
            #expect(requeued.body == doomed.body)
        }
    }

    @Test(arguments: StoreBackend.available)
    func deadLettersKeepOrderAndLimit(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            for n in 1...3 {
                try await store.send(message("d\(n)"), on: loop)
            }
            let reason = DeadLetterReason(reason: "r", attempts: 1, at: Timestamp(millisecondsSinceEpoch: 0))
            for taken in try await store.take(on: loop).taken {
                try await store.deadLetter(inbox: inbox, ref: taken.ref, reason: reason, on: loop).get()
            }
            let two = try await store.deadLetters(inbox: inbox, limit: 2, on: loop).get()
            let names = try two.map { try JSONParser.parse($0.json)["message_id"] }
            #expect(names == ["d1", "d2"])
        }
    }

    @Test(arguments: StoreBackend.available)
    func deadLetteringAnEntryNotInFlightChangesNothing(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("m1"), on: loop)
            let taken = try #require(try await store.take(on: loop).taken.first)
            #expect(try await store.ack([taken.ref], on: loop) == 1)
            let reason = DeadLetterReason(reason: "r", attempts: 1, at: Timestamp(millisecondsSinceEpoch: 0))
            try await store.deadLetter(inbox: inbox, ref: taken.ref, reason: reason, on: loop).get()
            #expect(try await store.deadLetters(inbox: inbox, limit: 10, on: loop).get().isEmpty)
            let counters = try await store.counters(on: loop)
            #expect(counters.dead == 0)
            #expect(counters.pending == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func countersFollowALifecycle(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.counters(on: loop) == StoreCounters())
            for n in 1...4 {
                try await store.send(message("m\(n)"), on: loop)
            }
            var counters = try await store.counters(on: loop)
            #expect(counters.sent == 4)
            #expect(counters.pending == 4)
            #expect(counters.delivered == 0)

            let first = try await store.take(3, on: loop).taken
            _ = try await store.take(3, retries: retries([first[0]]), on: loop)
            counters = try await store.counters(on: loop)
            #expect(counters.delivered == 5)  // 3 new + 1 retry + 1 new

            #expect(try await store.ack([first[1].ref], on: loop) == 1)
            let reason = DeadLetterReason(reason: "r", attempts: 2, at: Timestamp(millisecondsSinceEpoch: 0))
            try await store.deadLetter(inbox: inbox, ref: first[0].ref, reason: reason, on: loop).get()
            counters = try await store.counters(on: loop)
            #expect(counters.sent == 4)
            #expect(counters.acked == 1)
            #expect(counters.dead == 1)
            #expect(counters.pending == 2)
            #expect(counters.expired == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func pingAnswers(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.ping(on: loop).get()
            #expect(store.backendName == backend.rawValue)
        }
    }

    // MARK: Redis only

    @Test(.enabled(if: StoreBackend.redisAddress != nil, "set AGENTD_TEST_REDIS=HOST:PORT (scripts/with-redis.sh)"))
    func redisRecoverListsEntriesTakenNotAcked() async throws {
        try await withStore(.redis) { store, loop in
            try await store.send(message("m1"), on: loop)
            try await store.send(message("m2"), on: loop)
            try await store.send(message("c1", to: "agent-b", priority: .critical), on: loop)
            try await store.send(message("unread"), on: loop)
            let taken = try await store.take(2, on: loop).taken
            #expect(ids(TakeResult(taken: taken, dropped: [], expired: 0, exhausted: false)) == ["m1", "m2"])
            let other = try await store.take(from: "agent-b", on: loop).taken
            #expect(try await store.ack([taken[1].ref], on: loop) == 1)
            // m1 delivered twice.
            _ = try await store.take(1, retries: retries([taken[0]]), on: loop)

            let recovered = try await store.recover(on: loop).get()
            #expect(Set(recovered.inFlight.keys) == [inbox, "agent-b"])
            let entries = try #require(recovered.inFlight[inbox])
            #expect(entries.count == 1)
            #expect(entries.first?.ref == taken[0].ref)
            #expect(entries.first?.deliveries == 2)
            let b = try #require(recovered.inFlight["agent-b"])
            #expect(b.map(\.ref) == other.map(\.ref))
            #expect(b.first?.deliveries == 1)
            #expect(recovered.nextDue == nil)
        }
    }

    @Test(.enabled(if: StoreBackend.redisAddress != nil, "set AGENTD_TEST_REDIS=HOST:PORT (scripts/with-redis.sh)"))
    func redisKeepsMessagesAcrossStoreInstances() async throws {
        // Same prefix, a new store object: what a restarted agentd sees.
        let address = try #require(StoreBackend.redisAddress)
        var configuration = AgentdConfiguration()
        configuration.redis = address
        configuration.keyPrefix = "ut-\(UUID().uuidString)"
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let first = RedisStore(configuration: configuration)
        try await first.send(message("persisted"), on: loop)
        first.shutdown()
        let second = RedisStore(configuration: configuration)
        let result = try await second.take(on: loop)
        second.shutdown()
        try await deleteRedisKeys(address: address, prefix: configuration.keyPrefix)
        #expect(ids(result) == ["persisted"])
    }
}
