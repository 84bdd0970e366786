import AgentCore
import NIOCore
import Testing

@testable import Broker

private let inbox = "agent-a"

private func message(
    _ id: String,
    to recipient: String = inbox,
    priority: Priority = .medium,
    sender: String = "sender",
    clientChosen: Bool = false,
    ttl: Int64? = nil,
    delay: Int64? = nil
) -> NewMessage {
    testMessage(id, to: recipient, priority: priority, sender: sender, clientChosen: clientChosen, ttl: ttl, delay: delay)
}

/// The first take that delivers something once `due` (store clock) has come. On the manual
/// clock, a take just before `due` must find nothing (and learn it is 1 ms away); on Redis'
/// the inbox is polled, and a delivery seen before `due` fails the test.
private func takeOnceDue(
    _ store: any MessageStore,
    _ clock: StoreClock,
    due: Int64,
    from agent: String = inbox,
    on loop: any EventLoop
) async throws -> TakeResult {
    if clock.isManual {
        try await clock.wait(until: due - 1)
        let early = try await store.take(from: agent, on: loop)
        #expect(early.taken.isEmpty, "nothing before it is due")
        #expect(early.retryInMilliseconds == 1)
        try await clock.wait(until: due)
        return try await store.take(from: agent, on: loop)
    }
    var result = TakeResult(taken: [], expired: 0, exhausted: true, retryInMilliseconds: nil)
    let came = try await eventually {
        result = try await store.take(from: agent, on: loop)
        guard !result.taken.isEmpty else { return false }
        #expect(try await clock.now() >= due, "delivered before it was due")
        return true
    }
    #expect(came, "nothing came once due")
    return result
}

/// Checks that `result` (a take made just now) says the next thing is due `milliseconds`
/// after `start`, a store time read before the call that set it. Exact on the manual clock;
/// on Redis' the call ran somewhere between `start` and now, which bounds the answer, however
/// long a loaded machine stalled in between.
private func expectDueIn(
    _ result: TakeResult,
    _ milliseconds: Int64,
    since start: Int64,
    _ clock: StoreClock,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let now = try await clock.now()
    guard now < start + milliseconds else { return }  // stalled past it: nothing to check
    guard let retryIn = result.retryInMilliseconds else {
        Issue.record("no retryInMilliseconds", sourceLocation: sourceLocation)
        return
    }
    if clock.isManual {
        #expect(retryIn == start + milliseconds - now, sourceLocation: sourceLocation)
    } else {
        #expect(retryIn <= milliseconds && retryIn >= start + milliseconds - now, sourceLocation: sourceLocation)
    }
}

/// The same checks on every backend (memory always, Redis with AGENTD_TEST_REDIS). Times the
/// store measures (TTL, delays, released deliveries) are read on the store's clock: hand-set
/// for the memory store, Redis' own for Redis (see `StoreClock`). One test at a time: the
/// Redis cases mostly wait, and the whole test run shares two cores.
@Suite(.serialized) struct MessageStoreConformanceTests {
    // MARK: Send and take

    @Test(arguments: StoreBackend.available)
    func sendThenTake(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.send(message("m1", priority: .high), on: loop) == .stored)
            let result = try await store.take(on: loop)
            let taken = try #require(result.taken.first)
            #expect(result.taken.count == 1)
            #expect(taken.messageID == "m1")
            #expect(taken.body == message("m1", priority: .high).body)
            #expect(taken.attempt == 1)
            #expect(taken.ref.priority == .high)
            #expect(result.expired == 0)
            #expect(result.exhausted)
            #expect(result.retryInMilliseconds == nil)
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

    // MARK: Released deliveries

    @Test(arguments: StoreBackend.available)
    func retriesComeBeforeNewMessagesOfTheirPriorityOldestFirst(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("h1", priority: .high), on: loop)
            try await store.send(message("m1"), on: loop)
            try await store.send(message("m2"), on: loop)
            try await store.send(message("m3"), on: loop)
            let first = try await store.take(3, on: loop)
            #expect(ids(first) == ["h1", "m1", "m2"])
            try await store.send(message("m4"), on: loop)
            try await store.send(message("l1", priority: .low), on: loop)

            // Released newest first, in two calls: still delivered oldest entry first.
            #expect(try await store.release([first.taken[2]], on: loop) == 1)
            #expect(try await store.release([first.taken[1], first.taken[0]], on: loop) == 2)
            let again = try await store.take(10, on: loop)
            #expect(ids(again) == ["h1", "m1", "m2", "m3", "m4", "l1"])
            #expect(again.taken.map(\.attempt) == [2, 2, 2, 1, 1, 1])
            #expect(again.taken.prefix(3).map(\.ref) == first.taken.map(\.ref))
            #expect(again.taken[0].body == first.taken[0].body)
            #expect(again.exhausted)
            #expect(again.retryInMilliseconds == nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func newMessagesOfAHigherPriorityComeBeforeRetriesOfALowerOne(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("m1"), on: loop)
            let first = try await store.take(on: loop)
            try await store.release(first.taken, on: loop)
            try await store.send(message("c1", priority: .critical), on: loop)
            let again = try await store.take(on: loop)
            #expect(ids(again) == ["c1", "m1"])
            #expect(again.taken.map(\.attempt) == [1, 2])
        }
    }

    @Test(arguments: StoreBackend.available)
    func retriesCountAgainstTheLimitAndTheRestStayDue(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            for n in 1...4 {
                try await store.send(message("m\(n)"), on: loop)
            }
            let first = try await store.take(3, on: loop)
            try await store.release(first.taken, on: loop)
            let again = try await store.take(2, on: loop)
            #expect(ids(again) == ["m1", "m2"])
            #expect(again.taken.map(\.attempt) == [2, 2])
            #expect(again.exhausted == false)
            // m3 is due already: the next take may come at once.
            #expect(again.retryInMilliseconds == 0)
            let rest = try await store.take(2, on: loop)
            #expect(ids(rest) == ["m3", "m4"])
            #expect(rest.taken.map(\.attempt) == [2, 1])
            #expect(rest.retryInMilliseconds == nil)
        }
    }

    /// The attempt of the next delivery is the deliveries the release counted, plus one: a nack
    /// counts the delivery it ends, a take whose taker went away counts none.
    @Test(arguments: StoreBackend.available)
    func theNextAttemptIsTheReleasedDeliveriesPlusOne(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("nacked"), on: loop)
            try await store.send(message("unsent", priority: .high), on: loop)
            let first = try await store.take(on: loop)
            #expect(ids(first) == ["unsent", "nacked"])
            #expect(try await store.release([first.taken[1]], deliveries: 3, on: loop) == 1)
            #expect(try await store.release([first.taken[0]], deliveries: 0, on: loop) == 1)
            let again = try await store.take(on: loop)
            #expect(ids(again) == ["unsent", "nacked"])
            #expect(again.taken.map(\.attempt) == [1, 4])

            // And again: each take counts one more.
            try await store.release([again.taken[1]], deliveries: 4, on: loop)
            #expect(try await store.take(on: loop).taken.map(\.attempt) == [5])
            // What `pending` reports is the same count.
            let pending = try await store.pending(inbox: inbox, on: loop).get()
            #expect(pending.map(\.deliveries).sorted() == [1, 5])
            #expect(try await store.counters(on: loop).delivered == 5)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aReleaseWaitsForItsDelay(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            try await store.send(message("m1"), on: loop)
            try await store.send(message("m2"), on: loop)
            let first = try await store.take(on: loop).taken
            #expect(first.map(\.messageID) == ["m1", "m2"])

            // Not before its delay: the take says when to look again.
            let released = try await clock.now()
            #expect(try await store.release([first[0]], delay: 60_000, on: loop) == 1)
            let early = try await store.take(on: loop)
            #expect(early.taken.isEmpty)
            try await expectDueIn(early, 60_000, since: released, clock)

            // Once due, delivered again, as the next attempt of the same entry.
            let start = try await clock.now()
            #expect(try await store.release([first[1]], delay: clock.delay, on: loop) == 1)
            let due = try await takeOnceDue(store, clock, due: start + clock.delay, on: loop)
            #expect(ids(due) == ["m2"])
            #expect(due.taken.first?.attempt == 2)
            #expect(due.taken.first?.ref == first[1].ref)
            // m1 still waits.
            try await expectDueIn(due, 60_000, since: released, clock)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aReleaseOfAnAckedEntryIsANoOp(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("m1"), on: loop)
            let taken = try await store.take(on: loop).taken
            #expect(try await store.ack(taken.map(\.ref), on: loop) == 1)
            #expect(try await store.release(taken, on: loop) == 0)
            // Nor one the store never had (in a stream it has).
            let unknown = TakenMessage(ref: EntryRef(priority: .medium, entryID: EntryID(high: 1, low: 1)), messageID: "x", body: [], attempt: 1)
            #expect(try await store.release([unknown], on: loop) == 0)
            let again = try await store.take(on: loop)
            #expect(again.taken.isEmpty)
            #expect(again.retryInMilliseconds == nil)
            let counters = try await store.counters(on: loop)
            #expect(counters.acked == 1)
            #expect(counters.delivered == 1)
            #expect(counters.pending == 0)
        }
    }

    /// Acked while waiting for its next attempt (an ack that raced its own ack timeout): the
    /// retry finds nothing and is forgotten.
    @Test(arguments: StoreBackend.available)
    func aReleasedEntryAckedWhileWaitingIsNotDelivered(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("m1"), on: loop)
            let taken = try await store.take(on: loop).taken
            try await store.release(taken, on: loop)
            #expect(try await store.ack(taken.map(\.ref), on: loop) == 1)
            let again = try await store.take(on: loop)
            #expect(again.taken.isEmpty)
            #expect(again.retryInMilliseconds == nil)
            #expect(try await store.pending(inbox: inbox, on: loop).get().isEmpty)
            #expect(try await store.counters(on: loop).delivered == 1)
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
            #expect(try await store.pending(inbox: inbox, on: loop).get().isEmpty)

            let counters = try await store.counters(on: loop)
            #expect(counters.acked == 2)
            #expect(counters.pending == 0)
        }
    }

    /// One ack of many entries of several priorities, given in no particular order: each is
    /// acked once, whatever batch of the store's it falls in (Redis acks per stream, a
    /// thousand ids at a time).
    @Test(arguments: StoreBackend.available)
    func aLargeAckAcrossPrioritiesAcksEachOnce(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let priorities: [Priority] = [.high, .low, .high, .critical]
            for index in 0..<2_600 {
                try await store.send(message("m\(index)", priority: priorities[index % priorities.count]), on: loop)
            }
            let taken = try await store.take(3_000, on: loop).taken
            #expect(taken.count == 2_600)
            let refs = taken.map(\.ref).reversed() + [EntryRef(priority: .medium, entryID: EntryID(high: 1, low: 1))]
            #expect(try await store.ack(Array(refs), on: loop) == 2_600)
            #expect(try await store.ack(Array(taken.prefix(10).map(\.ref)), on: loop) == 0)
            #expect(try await store.pending(inbox: inbox, on: loop).get().isEmpty)
            #expect(try await store.take(on: loop).taken.isEmpty)
            let counters = try await store.counters(on: loop)
            #expect(counters.acked == 2_600)
            #expect(counters.pending == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func pendingListsDeliveriesNotAckedWithTheirCounts(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("m1"), on: loop)
            try await store.send(message("m2"), on: loop)
            try await store.send(message("c1", priority: .critical), on: loop)
            try await store.send(message("b1", to: "agent-b"), on: loop)
            try await store.send(message("unread"), on: loop)
            let taken = try await store.take(3, on: loop).taken
            #expect(taken.map(\.messageID) == ["c1", "m1", "m2"])
            _ = try await store.take(from: "agent-b", on: loop)
            #expect(try await store.ack([taken[2].ref], on: loop) == 1)
            // m1 delivered twice.
            try await store.release([taken[1]], on: loop)
            #expect(try await store.take(1, on: loop).taken.map(\.messageID) == ["m1"])

            let pending = try await store.pending(inbox: inbox, on: loop).get()
            #expect(pending.map(\.ref) == [taken[0].ref, taken[1].ref])
            #expect(pending.map(\.deliveries) == [1, 2])
            #expect(try await store.pending(inbox: "agent-b", on: loop).get().count == 1)
            #expect(try await store.pending(inbox: "agent-c", on: loop).get().isEmpty)
        }
    }

    // MARK: Dedup

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
    func isStoredKnowsAClientChosenIDForItsSenderOnly(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let before = try await store.isStored(messageID: "z", sender: "s1", on: loop).get()
            #expect(!before)
            #expect(try await store.send(message("z", sender: "s1", clientChosen: true), on: loop) == .stored)
            let mine = try await store.isStored(messageID: "z", sender: "s1", on: loop).get()
            let theirs = try await store.isStored(messageID: "z", sender: "s2", on: loop).get()
            #expect(mine && !theirs)
        }
    }

    @Test(arguments: StoreBackend.available)
    func dedupForgetsAfterTheWindow(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            #expect(try await store.send(message("y", clientChosen: true), window: 1, on: loop) == .stored)
            try await clock.advance(20)
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

    // MARK: TTL

    @Test(arguments: StoreBackend.available)
    func expiredMessagesAreDroppedAndCounted(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            try await store.send(message("short", ttl: clock.delay), on: loop)
            try await store.send(message("keep"), on: loop)
            try await store.send(message("long", ttl: 600_000), on: loop)
            // Also through the script (a client-chosen id).
            try await store.send(message("short2", clientChosen: true, ttl: clock.delay), on: loop)
            // The TTL runs from each send, on the store's clock.
            try await clock.wait(until: try await clock.now() + clock.delay)
            let result = try await store.take(on: loop)
            #expect(ids(result) == ["keep", "long"])
            #expect(result.expired == 2)
            let counters = try await store.counters(on: loop)
            #expect(counters.expired == 2)
            #expect(counters.sent == 4)
            #expect(counters.pending == 2)
            #expect(counters.delivered == 2)
        }
    }

    /// The TTL runs from the store's clock at the send, to the millisecond.
    @Test func memoryExpiryAtExactlyTheTTLExpires() async throws {
        try await withClockedStore(.memory) { store, loop, clock in
            try await store.send(message("edge", ttl: 500), on: loop)
            try await clock.advance(499)
            #expect(ids(try await store.take(on: loop)) == ["edge"])
            try await store.send(message("edge2", ttl: 500), on: loop)
            try await clock.advance(500)
            let result = try await store.take(on: loop)
            #expect(result.taken.isEmpty)
            #expect(result.expired == 1)
        }
    }

    @Test(arguments: StoreBackend.available)
    func anExpiredRetryIsDroppedAndCounted(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            let ttl: Int64 = clock.isManual ? 1_000 : 1_500
            let sent = try await clock.now()
            try await store.send(message("e", ttl: ttl), on: loop)
            let first = try await store.take(on: loop)
            guard try await clock.now() < sent + ttl else {
                // The machine stalled past the TTL before the first delivery: nothing to check.
                return
            }
            #expect(ids(first) == ["e"])
            try await store.release(first.taken, on: loop)
            try await clock.wait(until: try await clock.now() + ttl)
            let again = try await store.take(on: loop)
            #expect(again.taken.isEmpty)
            #expect(again.expired == 1)
            #expect(again.retryInMilliseconds == nil)
            #expect(try await store.pending(inbox: inbox, on: loop).get().isEmpty)
            let counters = try await store.counters(on: loop)
            #expect(counters.expired == 1)
            #expect(counters.pending == 0)
        }
    }

    // MARK: Delayed sends

    @Test(arguments: StoreBackend.available)
    func delayedSendsJoinTheInboxAtTheTakeOnceDue(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            let sent = try await clock.now()
            try await store.send(message("later", delay: 60_000), on: loop)
            try await store.send(message("now"), on: loop)
            let first = try await store.take(on: loop)
            #expect(ids(first) == ["now"])
            #expect(first.exhausted)
            // The take tells when to look again.
            try await expectDueIn(first, 60_000, since: sent, clock)

            let start = try await clock.now()
            try await store.send(message("soon", delay: clock.delay), on: loop)
            let result = try await takeOnceDue(store, clock, due: start + clock.delay, on: loop)
            #expect(ids(result) == ["soon"])
            #expect(result.taken.first?.attempt == 1)
            #expect(result.taken.first?.body == message("soon").body)
            try await expectDueIn(result, 60_000, since: sent, clock)

            let counters = try await store.counters(on: loop)
            #expect(counters.sent == 3)
            #expect(counters.delivered == 2)
            #expect(counters.pending == 3)
        }
    }

    /// Delayed sends join in due order, with their priority; another inbox's are its own (they
    /// neither join nor count in this inbox's next due time).
    @Test(arguments: StoreBackend.available)
    func delayedSendsJoinInDueOrderPerInbox(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            let sent = try await clock.now()
            try await store.send(message("a-later", delay: 60_000), on: loop)
            try await store.send(message("b-later", to: "agent-b", delay: 30_000), on: loop)
            // Each inbox's next due time is its own.
            try await expectDueIn(try await store.take(on: loop), 60_000, since: sent, clock)
            try await expectDueIn(try await store.take(from: "agent-b", on: loop), 30_000, since: sent, clock)
            #expect(try await store.take(from: "agent-c", on: loop).retryInMilliseconds == nil)

            let delay = clock.delay
            try await store.send(message("second", delay: delay + 200), on: loop)
            try await store.send(message("first", delay: delay), on: loop)
            try await store.send(message("urgent", priority: .critical, delay: delay + 100), on: loop)
            try await clock.wait(until: try await clock.now() + delay + 200)
            let result = try await store.take(on: loop)
            #expect(ids(result) == ["urgent", "first", "second"])
            #expect(result.taken.map(\.ref.priority) == [.critical, .medium, .medium])
            // Another inbox's take moved nothing of agent-a's, and agent-a's nothing of agent-b's.
            #expect(try await store.take(from: "agent-b", on: loop).taken.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aDelayedSendKeepsItsTTLFromTheSend(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            try await store.send(message("stale", ttl: clock.delay / 2, delay: clock.delay), on: loop)
            try await clock.wait(until: try await clock.now() + clock.delay)
            let result = try await store.take(on: loop)
            #expect(result.taken.isEmpty)
            #expect(result.expired == 1)
            #expect(result.retryInMilliseconds == nil)
            let counters = try await store.counters(on: loop)
            #expect(counters.expired == 1)
            #expect(counters.pending == 0)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aDelayedSendIsDeduplicatedLikeAnyOther(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { store, loop, clock in
            let start = try await clock.now()
            #expect(try await store.send(message("d", clientChosen: true, delay: clock.delay), on: loop) == .stored)
            #expect(try await store.send(message("d", clientChosen: true, delay: clock.delay), on: loop) == .duplicate)
            #expect(ids(try await takeOnceDue(store, clock, due: start + clock.delay, on: loop)) == ["d"])
            #expect(try await store.take(on: loop).taken.isEmpty)
            #expect(try await store.counters(on: loop).sent == 1)
        }
    }

    // MARK: Dead letters

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

            // A dead message is no longer in flight: its release and its ack find nothing.
            #expect(try await store.release([doomed], on: loop) == 0)
            #expect(try await store.take(on: loop).taken.isEmpty)
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
            #expect(requeued.attempt == 1)
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

    // MARK: Counters, health

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
            try await store.release([first[0]], on: loop)
            _ = try await store.take(3, on: loop)
            counters = try await store.counters(on: loop)
            #expect(counters.delivered == 5)  // 3 new + 1 retry + 1 new
            #expect(counters.pending == 4)

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

    // MARK: The memory store is one whole system

    @Test func memoryStoreIsItsOnlyDaemon() async throws {
        try await withStore(.memory) { store, loop in
            #expect(store.daemonID == "memory")
            try await store.send(message("m1"), on: loop)
            _ = try await store.take(on: loop)
            // Nobody else to take over from, and it never dies.
            #expect(try await store.takeOver(daemon: "memory", on: loop).get() == 0)
            #expect(try await store.takeOver(daemon: "other", on: loop).get() == 0)
            #expect(try await store.pending(inbox: inbox, on: loop).get().count == 1)
            #expect(try await store.join(leaseMilliseconds: 1_000, on: loop).get())
            #expect(try await store.renew(leaseMilliseconds: 1_000, on: loop).get() == (.renewed, 1))
            #expect(try await store.claimDeadDaemons(reserveMilliseconds: 1_000, on: loop).get().isEmpty)
            #expect(try await store.liveDaemons(on: loop).get() == ["memory"])
        }
    }
}
