import AgentCore
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// Drives the pure delivery state machine: no store, no timers, a fixed clock.
private struct Fixture {
    let loop = EmbeddedEventLoop()
    var state: DeliveryState
    let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let wallNow: Int64 = 1_795_602_660_123
    var nextSessionID: UInt64 = 0
    var nextWaiterID: UInt64 = 0
    /// Every fetch promise made; the state machine only hands them back in actions.
    var promises: [EventLoopPromise<[[UInt8]]>] = []

    init(maxDeliveries: Int = 5, maxTake: Int = 1_000) {
        self.state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: maxDeliveries, maxTake: maxTake))
    }

    mutating func session(_ agent: String = "a") -> SessionLink {
        self.nextSessionID += 1
        let link = SessionLink(id: self.nextSessionID, agentID: agent, eventLoop: self.loop, push: { _ in })
        self.state.attach(link)
        return link
    }

    mutating func fetch(_ session: SessionLink, limit: Int = 10, wait: TimeAmount = .zero) -> (EventLoopPromise<[[UInt8]]>, [DeliveryAction]) {
        let promise = self.loop.makePromise(of: [[UInt8]].self)
        self.promises.append(promise)
        self.nextWaiterID += 1
        var actions: [DeliveryAction] = []
        self.state.fetch(
            session,
            limit: limit,
            wait: wait,
            waiterID: self.nextWaiterID,
            promise: promise,
            now: self.now,
            wallNow: self.wallNow,
            actions: &actions
        )
        return (promise, actions)
    }

    mutating func subscribe(_ session: SessionLink, prefetch: Int) -> [DeliveryAction] {
        var actions: [DeliveryAction] = []
        self.state.subscribe(session, prefetch: prefetch, now: self.now, wallNow: self.wallNow, actions: &actions)
        return actions
    }

    mutating func taken(
        _ messages: [TakenMessage],
        inbox: String = "a",
        exhausted: Bool = true,
        retryIn: Int64? = nil,
        generation: UInt64? = nil,
        at now: NIODeadline? = nil
    ) -> [DeliveryAction] {
        var actions: [DeliveryAction] = []
        let result = TakeResult(taken: messages, expired: 0, exhausted: exhausted, retryInMilliseconds: retryIn)
        let current = generation ?? self.state.inboxes[inbox]?.generation ?? 0
        self.state.taken(result, inbox: inbox, generation: current, now: now ?? self.now, wallNow: self.wallNow, actions: &actions)
        return actions
    }

    mutating func ack(_ session: SessionLink, _ ids: [String]) -> ([EntryRef], [DeliveryAction]) {
        var actions: [DeliveryAction] = []
        let refs = self.state.ack(session, messageIDs: ids, now: self.now, wallNow: self.wallNow, actions: &actions)
        return (refs, actions)
    }

    mutating func nack(_ session: SessionLink, _ ids: [String], delay: TimeAmount = .zero) -> (Int, [DeliveryAction]) {
        var actions: [DeliveryAction] = []
        let count = self.state.nack(session, messageIDs: ids, delay: delay, now: self.now, wallNow: self.wallNow, actions: &actions)
        return (count, actions)
    }

    mutating func fire(_ event: TimerEvent, at now: NIODeadline? = nil) -> [DeliveryAction] {
        var actions: [DeliveryAction] = []
        self.state.fire(event, now: now ?? self.now, wallNow: self.wallNow, actions: &actions)
        return actions
    }

    /// Notes that the store may have something new for `agent`: what a send, another daemon's
    /// wake-up or a finished release (the engine's `inboxChanged`) does.
    mutating func stored(_ agent: String = "a") -> [DeliveryAction] {
        var actions: [DeliveryAction] = []
        self.state.stored(for: agent, now: self.now, wallNow: self.wallNow, actions: &actions)
        return actions
    }

    mutating func detach(_ session: SessionLink) -> [DeliveryAction] {
        var actions: [DeliveryAction] = []
        self.state.detach(session, now: self.now, wallNow: self.wallNow, actions: &actions)
        return actions
    }

    /// The watch changes decided since the last call (the engine applies and clears them).
    mutating func takeWatchChanges() -> [String] {
        defer { self.state.watchChanges.removeAll() }
        return self.state.watchChanges.map { ($0.watch ? "+" : "-") + $0.inbox }
    }

    /// Completes every promise (NIO reports promises dropped uncompleted); a second completion is a no-op.
    func finish() {
        for promise in self.promises {
            promise.succeed([])
        }
    }
}

private func entry(_ low: UInt64) -> EntryID {
    EntryID(high: 0, low: low)
}

/// A message as a take hands it out; `attempt` is the store's delivery count (1 = new).
private func taken(_ id: String, _ low: UInt64, priority: Priority = .medium, attempt: Int = 1) -> TakenMessage {
    TakenMessage(
        ref: EntryRef(priority: priority, entryID: entry(low)),
        messageID: id,
        body: Array("{\"message_id\":\"\(id)\"}".utf8),
        attempt: attempt
    )
}

/// The take requests among `actions`.
private func takes(_ actions: [DeliveryAction]) -> [TakeRequest] {
    actions.compactMap { action in
        if case .take(let request, _) = action { return request }
        return nil
    }
}

/// The fetch completions among `actions`: which promise, with the delivered messages parsed.
private func completions(_ actions: [DeliveryAction]) throws -> [(EventLoopFuture<[[UInt8]]>, [JSONValue])] {
    try actions.compactMap { action in
        guard case .completeFetch(let promise, let frames) = action else { return nil }
        return (promise.futureResult, try frames.map { try JSONParser.parse($0) })
    }
}

/// The pushes among `actions`: to which session, the pushed events parsed (each message as
/// the `message` event the connection writes).
private func pushes(_ actions: [DeliveryAction]) throws -> [(UInt64, [JSONValue])] {
    try actions.compactMap { action in
        guard case .push(let session, let frames) = action else { return nil }
        return (session.id, try frames.map { try JSONParser.parse(Reply.messageEvent($0)) })
    }
}

/// The releases among `actions`: the inbox, and the entry handed back to the store.
private func releases(_ actions: [DeliveryAction]) -> [(inbox: String, entry: ReleasedEntry)] {
    actions.compactMap { action in
        if case .release(let inbox, let entry) = action { return (inbox, entry) }
        return nil
    }
}

/// A release in a comparable form: `inbox entry-low deliveries delay-ms`.
private func released(_ actions: [DeliveryAction]) -> [String] {
    releases(actions).map { "\($0.inbox) \($0.entry.ref.entryID.low) \($0.entry.deliveries) \($0.entry.delayMilliseconds)" }
}

private func pumpAgainTimers(_ state: DeliveryState) -> [(String, NIODeadline)] {
    var heap = state.timers
    var out: [(String, NIODeadline)] = []
    while let deadline = heap.nextDeadline, let event = heap.popDue(now: deadline) {
        if case .pumpAgain(let inbox) = event { out.append((inbox, deadline)) }
    }
    return out
}

private func deadLetters(_ actions: [DeliveryAction]) -> [(String, EntryRef, DeadLetterReason)] {
    actions.compactMap { action in
        if case .deadLetter(let inbox, let ref, let reason) = action { return (inbox, ref, reason) }
        return nil
    }
}

@Suite struct DeliveryStateTests {
    // MARK: Fetch

    @Test func fetchWithNoSupplyAndNoWaitCompletesEmpty() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        // A fresh inbox may hold unread messages: the first fetch asks the store.
        let (promise, first) = f.fetch(session, limit: 10)
        let request = try #require(takes(first).first)
        #expect(first.count == 1)
        #expect(request.inbox == "a")
        #expect(request.limit == 10)

        // The store has nothing: the fetch gets an empty answer at once.
        let answered = try completions(f.taken([], exhausted: true))
        #expect(answered.count == 1)
        #expect(answered.first?.0 === promise.futureResult)
        #expect(answered.first?.1.isEmpty == true)

        // Known empty now: the next fetch is answered without asking the store.
        let (second, actions) = f.fetch(session, limit: 10)
        #expect(takes(actions).isEmpty)
        let again = try completions(actions)
        #expect(again.count == 1)
        #expect(again.first?.0 === second.futureResult)
        #expect(again.first?.1.isEmpty == true)
        #expect(f.state.inboxes["a"]?.waiters.isEmpty == true)
    }

    @Test func fetchWithWaitStaysUntilItsDeadline() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, first) = f.fetch(session, limit: 1, wait: .milliseconds(500))
        #expect(takes(first).count == 1)
        #expect(try completions(f.taken([])).isEmpty)
        #expect(f.state.inboxes["a"]?.waiters.count == 1)
        #expect(f.state.timers.nextDeadline == f.now + .milliseconds(500))

        let waiterID = try #require(f.state.inboxes["a"]?.waiters.first?.id)
        let expired = try completions(f.fire(.fetchDeadline(inbox: "a", waiterID: waiterID)))
        #expect(expired.count == 1)
        #expect(expired.first?.0 === promise.futureResult)
        #expect(expired.first?.1.isEmpty == true)
        // Firing again (a stale timer) does nothing.
        #expect(f.fire(.fetchDeadline(inbox: "a", waiterID: waiterID)).isEmpty)
    }

    @Test func oneTakeAtATimePerInbox() {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (_, first) = f.fetch(session, limit: 2)
        let (_, second) = f.fetch(session, limit: 3)
        #expect(takes(first).count == 1)
        #expect(second.isEmpty)
    }

    @Test func takeAsksForTheDemandBoundedByMaxTake() throws {
        var f = Fixture(maxTake: 4)
        defer { f.finish() }
        let session = f.session()
        let (_, actions) = f.fetch(session, limit: 10)
        #expect(takes(actions).first?.limit == 4)
    }

    @Test func takeAlongsideSendReservesTheTakeForTheNextGeneration() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        // No demand: nothing rides along with a send.
        let idle = f.state.takeAlongsideSend(to: "a", priority: .medium)
        let unknown = f.state.takeAlongsideSend(to: "nobody", priority: .medium)
        #expect(idle == nil)
        #expect(unknown == nil)
        let (_, first) = f.fetch(session, limit: 3, wait: .seconds(5))
        #expect(takes(first).count == 1)
        _ = f.taken([], exhausted: true)
        #expect(f.state.inboxes["a"]?.mayHaveNew == false)

        let generation = try #require(f.state.inboxes["a"]?.generation)
        let alongside = f.state.takeAlongsideSend(to: "a", priority: .high)
        let reserved = try #require(alongside)
        #expect(reserved.request.inbox == "a")
        #expect(reserved.request.limit == 3)
        #expect(reserved.generation == generation + 1)
        #expect(f.state.inboxes["a"]?.taking == true)
        // A take is reserved: no second one, neither beside a send nor from the pump.
        let second = f.state.takeAlongsideSend(to: "a", priority: .high)
        #expect(second == nil)
        #expect(takes(f.stored()).isEmpty)
    }

    /// The take beside a send reads only the send's priority when the inbox is known to hold
    /// nothing else: its last take found it empty and nothing came or is due since.
    @Test func takeAlongsideSendReadsOnlyTheSendsPriorityWhenTheInboxIsKnownEmpty() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        // A fresh inbox may hold anything: the whole take.
        let beforeDemand = f.state.takeAlongsideSend(to: "a", priority: .low)
        #expect(beforeDemand == nil)
        let (_, first) = f.fetch(session, limit: 2, wait: .seconds(5))
        #expect(takes(first).first?.scope == .all)
        _ = f.taken([], exhausted: true)
        let knownTake = f.state.takeAlongsideSend(to: "a", priority: .low)
        let known = try #require(knownTake)
        #expect(known.request.scope == .unread(.low))

        // The send is noted, then its take finds the message: the inbox is known empty again,
        // and the message goes to the fetch.
        #expect(takes(f.stored()).isEmpty)
        let delivered = f.taken([taken("m", 1, priority: .low)], exhausted: true, generation: known.generation)
        #expect(try completions(delivered).map(\.1.count) == [1])
        #expect(f.state.inboxes["a"]?.mayHaveNew == false)
        let (_, again) = f.fetch(session, limit: 2, wait: .seconds(5))
        #expect(takes(again).isEmpty)
        let knownAgainTake = f.state.takeAlongsideSend(to: "a", priority: .medium)
        #expect(try #require(knownAgainTake).request.scope == .unread(.medium))
        f.state.inboxes["a"]?.taking = false

        // Something noted without a take beside it (another daemon's wake-up, a release): the
        // inbox may hold anything, and the take beside the next send looks at everything.
        let noted = f.stored()
        #expect(takes(noted).map(\.scope) == [.all])
        f.state.inboxes["a"]?.taking = false
        let unknownTake = f.state.takeAlongsideSend(to: "a", priority: .low)
        #expect(try #require(unknownTake).request.scope == .all)

        // A released delivery or a delayed send due later: everything too.
        _ = f.taken([], exhausted: true, retryIn: 5_000)
        #expect(f.state.inboxes["a"]?.mayHaveNew == false)
        let dueTake = f.state.takeAlongsideSend(to: "a", priority: .low)
        #expect(try #require(dueTake).request.scope == .all)
    }

    // MARK: Attempts and the store's timing

    @Test func theAttemptIsTheStoresDeliveryCount() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        // A released delivery comes back with its count (here its 4th delivery), a new one with 1.
        let done = try completions(f.taken([taken("r", 1, priority: .high, attempt: 4), taken("n", 2)]))
        #expect(done.first?.0 === promise.futureResult)
        #expect(done.first?.1.map { $0["delivery"]?["attempt"] } == [4, 1])
        #expect(done.first?.1.map { $0["message_id"] } == ["r", "n"])
        #expect(f.state.inboxes["a"]?.inFlight["r"]?.attempt == 4)
        #expect(f.state.inboxes["a"]?.inFlight["n"]?.attempt == 1)
        #expect(f.state.inFlightTotal == 2)
    }

    /// A daemon that died after the last allowed delivery leaves the entry with that count; the
    /// next take's delivery would be one too many, so the message is dead instead.
    @Test func aTakenAttemptPastMaxDeliveriesIsDeadLetteredNotDelivered() throws {
        var f = Fixture(maxDeliveries: 3)
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        let actions = f.taken([
            taken("last", 1, attempt: 3),
            taken("over", 2, priority: .high, attempt: 4),
            taken("new", 3),
        ])
        let answered = try completions(actions)
        #expect(answered.count == 1)
        #expect(answered.first?.0 === promise.futureResult)
        #expect(answered.first?.1.map { $0["message_id"] } == ["last", "new"])
        #expect(answered.first?.1.map { $0["delivery"]?["attempt"] } == [3, 1])

        let dead = deadLetters(actions)
        #expect(dead.count == 1)
        #expect(dead.first?.0 == "a")
        #expect(dead.first?.1 == EntryRef(priority: .high, entryID: entry(2)))
        #expect(dead.first?.2.reason == "max_deliveries")
        // The deliveries made: the limit, not the attempt that was refused.
        #expect(dead.first?.2.attempts == 3)
        #expect(dead.first?.2.messageID == "over")
        #expect(dead.first?.2.at == Timestamp(millisecondsSinceEpoch: f.wallNow))
        #expect(releases(actions).isEmpty)
        #expect(f.state.inboxes["a"]?.inFlight["over"] == nil)
        #expect(f.state.inFlightTotal == 2)
    }

    /// The store says when its next released delivery or delayed send is due: one timer looks
    /// at the inbox again then, and the earliest time wins.
    @Test func retryInArmsOnePumpAgainForTheEarliestDueTime() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session, limit: 1, wait: .seconds(60))
        _ = f.taken([], exhausted: true, retryIn: 2_000)
        #expect(f.state.inboxes["a"]?.mayHaveNew == false)
        #expect(f.state.inboxes["a"]?.wakeAt == f.now + .seconds(2))
        #expect(pumpAgainTimers(f.state).map(\.1) == [f.now + .seconds(2)])

        // A take that learns of something due sooner arms an earlier timer; a later one adds none.
        _ = f.stored()  // e.g. another daemon's wake-up: a take runs
        _ = f.taken([], exhausted: true, retryIn: 500)
        _ = f.stored()
        _ = f.taken([], exhausted: true, retryIn: 5_000)
        #expect(f.state.inboxes["a"]?.wakeAt == f.now + .milliseconds(500))
        #expect(pumpAgainTimers(f.state).map(\.1) == [f.now + .milliseconds(500), f.now + .seconds(2)])

        // When it fires, the inbox is read again (the store now has the due message).
        let actions = f.fire(.pumpAgain(inbox: "a"), at: f.now + .milliseconds(500))
        #expect(takes(actions).map(\.limit) == [1])
        #expect(f.state.inboxes["a"]?.wakeAt == nil)
        let delivered = try completions(f.taken([taken("due", 7, attempt: 2)], at: f.now + .milliseconds(500)))
        #expect(delivered.first?.0 === promise.futureResult)
        #expect(delivered.first?.1.map { $0["delivery"]?["attempt"] } == [2])
    }

    @Test func aDueTimeOfZeroStillWaitsAMillisecond() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        _ = f.fetch(session, limit: 1, wait: .seconds(1))
        _ = f.taken([], exhausted: true, retryIn: 0)
        // Not a busy loop of takes: the next look is at least 1 ms away.
        #expect(pumpAgainTimers(f.state).map(\.1) == [f.now + .milliseconds(1)])
    }

    @Test func aPumpAgainForADroppedInboxDoesNothing() {
        var f = Fixture()
        defer { f.finish() }
        #expect(f.fire(.pumpAgain(inbox: "gone")).isEmpty)
        #expect(f.state.inboxes["gone"] == nil)
    }

    @Test func aSendDuringATakeKeepsTheInboxReadable() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (_, first) = f.fetch(session, limit: 1, wait: .seconds(5))
        let generation = try #require(first.compactMap { action -> UInt64? in
            if case .take(_, let generation) = action { return generation }
            return nil
        }.first)
        #expect(f.stored().isEmpty)  // a take is already running
        // The take started before the send found nothing; that says nothing about the new message.
        let after = f.taken([], exhausted: true, generation: generation)
        #expect(f.state.inboxes["a"]?.mayHaveNew == true)
        #expect(takes(after).count == 1)
    }

    // MARK: Distribution

    @Test func takenGoesToWaitersFirstThenSubscribersByCredit() throws {
        var f = Fixture()
        defer { f.finish() }
        let subscriberA = f.session()
        let fetcher = f.session()
        let subscriberC = f.session()
        let subscribe = f.subscribe(subscriberA, prefetch: 2)
        #expect(takes(subscribe).first?.limit == 2)
        // A take is running: these only add demand.
        #expect(f.subscribe(subscriberC, prefetch: 1).isEmpty)
        let (promise, fetchActions) = f.fetch(fetcher, limit: 1)
        #expect(fetchActions.isEmpty)

        let actions = f.taken((1...6).map { taken("m\($0)", UInt64($0)) }, exhausted: false)
        let answered = try completions(actions)
        #expect(answered.count == 1)
        #expect(answered.first?.0 === promise.futureResult)
        #expect(answered.first?.1.map { $0["message_id"] } == ["m1"])

        // Round robin over subscribers with credit: A, C, A.
        var pushed: [UInt64: [JSONValue?]] = [:]
        for (session, events) in try pushes(actions) {
            #expect(events.allSatisfy { $0["event"] == "message" })
            pushed[session, default: []] += events.map { $0["message"]?["message_id"] }
        }
        #expect(pushed[subscriberA.id] == ["m2", "m4"])
        #expect(pushed[subscriberC.id] == ["m3"])

        // Nobody wants m5 and m6 now: back to the store at once, not counted as deliveries.
        #expect(released(actions) == ["a 5 0 0", "a 6 0 0"])
        let inbox = try #require(f.state.inboxes["a"])
        #expect(inbox.inFlight["m5"] == nil && inbox.inFlight["m6"] == nil)
        #expect(inbox.subscribers[subscriberA.id]?.credit == 0)
        #expect(inbox.subscribers[subscriberC.id]?.credit == 0)
        #expect(f.state.inFlightTotal == 4)
        // No demand left: no new take.
        #expect(takes(actions).isEmpty)
    }

    @Test func aReleasedRedeliveryNobodyWantsKeepsItsCount() throws {
        var f = Fixture()
        defer { f.finish() }
        let subscriber = f.session()
        _ = f.subscribe(subscriber, prefetch: 1)
        let actions = f.taken([taken("m1", 1), taken("r2", 2, attempt: 3)])
        // r2's third delivery never happened: it goes back with the two made before.
        #expect(released(actions) == ["a 2 2 0"])
    }

    @Test func ackFreesSubscriberCredit() throws {
        var f = Fixture()
        defer { f.finish() }
        let subscriber = f.session()
        _ = f.subscribe(subscriber, prefetch: 1)
        let first = f.taken([taken("m1", 1), taken("m2", 2)], exhausted: true)
        #expect(try pushes(first).flatMap { $0.1 }.count == 1)
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 0)
        // m2 had no taker: handed back to the store.
        #expect(released(first) == ["a 2 0 0"])

        let (refs, actions) = f.ack(subscriber, ["m1", "unknown"])
        #expect(refs == [EntryRef(priority: .medium, entryID: entry(1))])
        #expect(f.state.inFlightTotal == 0)
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 1)
        // The last take found the inbox empty; m2's release, once done, wakes the inbox and
        // the freed credit asks the store for it.
        #expect(takes(actions).isEmpty)
        let request = try #require(takes(f.stored()).first)
        #expect(request.limit == 1)

        // Acking again finds nothing in flight.
        let (none, noActions) = f.ack(subscriber, ["m1"])
        #expect(none.isEmpty)
        #expect(noActions.isEmpty)
    }

    @Test func ackOfAnotherAgentsMessageFindsNothing() throws {
        var f = Fixture()
        defer { f.finish() }
        let owner = f.session("a")
        let other = f.session("b")
        let (promise, _) = f.fetch(owner)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        #expect(f.ack(other, ["m1"]).0.isEmpty)
        #expect(f.state.inFlightTotal == 1)
    }

    @Test func resubscribingCountsPushedMessagesStillUnacked() throws {
        var f = Fixture()
        defer { f.finish() }
        let subscriber = f.session()
        _ = f.subscribe(subscriber, prefetch: 3)
        _ = f.taken([taken("m1", 1), taken("m2", 2)], exhausted: true)
        _ = f.subscribe(subscriber, prefetch: 3)
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 1)
        #expect(f.state.inboxes["a"]?.subscriberOrder == [subscriber.id])
    }

    // MARK: Release, dead letters, timers

    @Test func nackReleasesWithTheDeliveriesMadeSoFar() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        _ = f.taken([taken("m1", 1, priority: .low, attempt: 2)])
        _ = promise
        let (count, actions) = f.nack(session, ["m1", "not-in-flight"])
        #expect(count == 1)
        #expect(deadLetters(actions).isEmpty)
        let release = try #require(releases(actions).first)
        #expect(releases(actions).count == 1)
        #expect(release.inbox == "a")
        #expect(release.entry.ref == EntryRef(priority: .low, entryID: entry(1)))
        // The next delivery is attempt 3, due at once.
        #expect(release.entry.deliveries == 2)
        #expect(release.entry.delayMilliseconds == 0)
        #expect(f.state.inboxes["a"]?.inFlight.isEmpty == true)
        #expect(f.state.inFlightTotal == 0)
    }

    @Test func nackWithDelayHandsTheDelayToTheStore() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        let timersBefore = f.state.timers.count
        let (count, actions) = f.nack(session, ["m1"], delay: .milliseconds(2_500))
        #expect(count == 1)
        // The store keeps the delay (any daemon may deliver it once due): no timer here.
        #expect(released(actions) == ["a 1 1 2500"])
        #expect(f.state.timers.count == timersBefore)
        #expect(takes(actions).isEmpty)
    }

    @Test func pushedNackGivesTheCreditBack() throws {
        var f = Fixture()
        defer { f.finish() }
        let subscriber = f.session()
        _ = f.subscribe(subscriber, prefetch: 1)
        _ = f.taken([taken("m1", 1)], exhausted: false)
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 0)
        let (_, actions) = f.nack(subscriber, ["m1"])
        #expect(released(actions) == ["a 1 1 0"])
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 1)
        // The inbox may still hold unread messages: the credit asks for them at once.
        #expect(takes(actions).map(\.limit) == [1])
    }

    @Test func releaseAtMaxDeliveriesDeadLetters() throws {
        var f = Fixture(maxDeliveries: 2)
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        let delivered = try completions(f.taken([taken("m1", 1, priority: .high, attempt: 2)]))
        #expect(delivered.first?.0 === promise.futureResult)
        #expect(delivered.first?.1.first?["delivery"]?["attempt"] == 2)

        let (count, actions) = f.nack(session, ["m1"], delay: .seconds(1))
        #expect(count == 1)
        let dead = deadLetters(actions)
        #expect(dead.count == 1)
        #expect(dead.first?.0 == "a")
        #expect(dead.first?.1 == EntryRef(priority: .high, entryID: entry(1)))
        #expect(dead.first?.2.reason == "max_deliveries")
        #expect(dead.first?.2.attempts == 2)
        #expect(dead.first?.2.messageID == "m1")
        #expect(releases(actions).isEmpty)
        #expect(f.state.inFlightTotal == 0)
    }

    @Test func rejectDeadLettersAtOnceWhateverTheAttempt() throws {
        var f = Fixture(maxDeliveries: 5)
        defer { f.finish() }
        let subscriber = f.session()
        _ = f.subscribe(subscriber, prefetch: 2)
        _ = f.taken([taken("m1", 1, priority: .high), taken("m2", 2, attempt: 3)], exhausted: false)
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 0)
        var actions: [DeliveryAction] = []
        let count = f.state.reject(subscriber, messageIDs: ["m1", "m2", "unknown"], now: f.now, wallNow: f.wallNow, actions: &actions)
        #expect(count == 2)
        let dead = deadLetters(actions)
        #expect(dead.map(\.2.reason) == ["rejected", "rejected"])
        #expect(dead.map(\.2.attempts) == [1, 3])
        #expect(dead.map(\.2.messageID) == ["m1", "m2"])
        #expect(dead.map(\.1) == [EntryRef(priority: .high, entryID: entry(1)), EntryRef(priority: .medium, entryID: entry(2))])
        #expect(releases(actions).isEmpty)
        #expect(f.state.inFlightTotal == 0)
        // The credit is back, and asks the store for more.
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 2)
        #expect(takes(actions).map(\.limit) == [2])
        // Its ack timeouts are stale now.
        #expect(f.fire(.ackTimeout(inbox: "a", messageID: "m1", token: 1), at: f.now + .seconds(30)).isEmpty)
    }

    @Test func rejectOfAnotherAgentsMessageFindsNothing() throws {
        var f = Fixture()
        defer { f.finish() }
        let owner = f.session("a")
        let other = f.session("b")
        let (promise, _) = f.fetch(owner)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        var actions: [DeliveryAction] = []
        #expect(f.state.reject(other, messageIDs: ["m1"], now: f.now, wallNow: f.wallNow, actions: &actions) == 0)
        #expect(deadLetters(actions).isEmpty)
        #expect(f.state.inboxes["a"]?.inFlight["m1"] != nil)
    }

    @Test func ackTimeoutReleasesAndAStaleTokenIsIgnored() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        let oldToken = try #require(f.state.inboxes["a"]?.inFlight["m1"]?.token)

        // Nacked and delivered again: the first delivery's timer is now stale.
        #expect(released(f.nack(session, ["m1"]).1) == ["a 1 1 0"])
        _ = f.stored()  // the release is done
        let (second, fetchActions) = f.fetch(session)
        #expect(takes(fetchActions).count == 1)
        let again = try completions(f.taken([taken("m1", 1, attempt: 2)]))
        #expect(again.first?.0 === second.futureResult)
        #expect(again.first?.1.first?["delivery"]?["attempt"] == 2)
        let newToken = try #require(f.state.inboxes["a"]?.inFlight["m1"]?.token)
        #expect(newToken != oldToken)

        #expect(f.fire(.ackTimeout(inbox: "a", messageID: "m1", token: oldToken)).isEmpty)
        #expect(f.state.inboxes["a"]?.inFlight["m1"] != nil)

        // The current delivery's timer releases it, for attempt 3, at once.
        let actions = f.fire(.ackTimeout(inbox: "a", messageID: "m1", token: newToken), at: f.now + .seconds(30))
        #expect(f.state.inboxes["a"]?.inFlight["m1"] == nil)
        #expect(released(actions) == ["a 1 2 0"])
    }

    @Test func ackTimeoutOfTheLastAttemptDeadLetters() throws {
        var f = Fixture(maxDeliveries: 1)
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        let token = try #require(f.state.inboxes["a"]?.inFlight["m1"]?.token)
        let actions = f.fire(.ackTimeout(inbox: "a", messageID: "m1", token: token), at: f.now + .seconds(30))
        #expect(deadLetters(actions).map(\.2.attempts) == [1])
        #expect(releases(actions).isEmpty)
    }

    @Test func detachReleasesEverythingAndEndsWaits() throws {
        var f = Fixture()
        defer { f.finish() }
        let first = f.session()
        let second = f.session()
        let (fetched, _) = f.fetch(first, limit: 1)
        _ = f.taken([taken("m1", 1)], exhausted: false)
        _ = fetched
        let (waiting, _) = f.fetch(first, limit: 1, wait: .seconds(10))
        _ = f.taken([], exhausted: true)

        let actions = f.detach(first)
        let ended = try completions(actions)
        #expect(ended.count == 1)
        #expect(ended.first?.0 === waiting.futureResult)
        #expect(ended.first?.1.isEmpty == true)
        #expect(f.state.inboxes["a"]?.inFlight.isEmpty == true)
        #expect(released(actions) == ["a 1 1 0"])

        // Once the store has it back (the release wakes the inbox), the other connection of
        // the same agent gets it as attempt 2.
        let (promise, fetchActions) = f.fetch(second, wait: .seconds(1))
        #expect(takes(fetchActions).isEmpty)
        #expect(takes(f.stored()).count == 1)
        let again = try completions(f.taken([taken("m1", 1, attempt: 2)]))
        #expect(again.first?.0 === promise.futureResult)
        #expect(again.first?.1.first?["delivery"]?["attempt"] == 2)
    }

    /// The take was in the store when its only taker left: it comes back uncounted.
    @Test func aTakeWhoseTakerLeftIsReleasedUncounted() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        _ = f.fetch(session, limit: 2, wait: .seconds(5))
        _ = f.detach(session)
        // Kept while the take runs.
        #expect(f.state.inboxes["a"]?.taking == true)
        let actions = f.taken([taken("m1", 1), taken("r2", 2, priority: .critical, attempt: 3)])
        #expect(released(actions) == ["a 1 0 0", "a 2 2 0"])
        #expect(releases(actions).map(\.entry.ref.priority) == [.medium, .critical])
        #expect(f.state.inboxes["a"] == nil)

        // Same for an inbox the engine no longer knows at all.
        let orphan = f.taken([taken("x", 9, attempt: 1)], inbox: "gone")
        #expect(released(orphan) == ["gone 9 0 0"])
        #expect(f.state.inboxes["gone"] == nil)
    }

    @Test func idleInboxesAreDropped() {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let actions = f.detach(session)
        #expect(f.state.inboxes["a"] == nil)
        #expect(actions.isEmpty)
    }

    @Test func takeFailureFailsWaitersAndRetriesSubscribersLater() throws {
        var f = Fixture()
        defer { f.finish() }
        let fetcher = f.session()
        let subscriber = f.session()
        let (promise, _) = f.fetch(fetcher)
        _ = f.subscribe(subscriber, prefetch: 1)
        var actions: [DeliveryAction] = []
        let failed = f.state.takeFailed(.unavailable("down"), inbox: "a", now: f.now, actions: &actions)
        #expect(failed.count == 1)
        #expect(failed.first?.futureResult === promise.futureResult)
        #expect(f.state.inboxes["a"]?.taking == false)
        #expect(f.state.timers.nextDeadline == f.now + .milliseconds(500))
    }

    // MARK: Watching other daemons' work

    @Test func theFirstSessionWatchesTheInboxAndTheDroppedInboxUnwatches() {
        var f = Fixture()
        defer { f.finish() }
        let first = f.session("a")
        #expect(f.takeWatchChanges() == ["+a"])
        let second = f.session("a")
        let other = f.session("b")
        // Once per inbox, however many sessions.
        #expect(f.takeWatchChanges() == ["+b"])
        _ = f.detach(first)
        #expect(f.takeWatchChanges() == [])
        _ = f.detach(second)
        #expect(f.state.inboxes["a"] == nil)
        #expect(f.takeWatchChanges() == ["-a"])

        // Back again: watched again.
        let again = f.session("a")
        #expect(f.takeWatchChanges() == ["+a"])
        _ = f.detach(again)
        _ = f.detach(other)
        #expect(f.takeWatchChanges() == ["-a", "-b"])
    }

    /// While the inbox is kept (a take in the store, deliveries in flight) it stays watched;
    /// it is unwatched when it is finally dropped, and watched again by the next session.
    @Test func anInboxKeptAfterItsLastSessionIsUnwatchedWhenDropped() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        _ = f.fetch(session, limit: 1, wait: .seconds(5))
        _ = f.takeWatchChanges()
        _ = f.detach(session)
        #expect(f.state.inboxes["a"] != nil)
        #expect(f.takeWatchChanges() == [])

        // A new session while the old take runs: its session count went to zero and back, so
        // the watch is asked again (the store's watch is idempotent).
        let next = f.session()
        #expect(f.takeWatchChanges() == ["+a"])
        _ = f.detach(next)
        _ = f.taken([])
        #expect(f.state.inboxes["a"] == nil)
        #expect(f.takeWatchChanges() == ["-a"])
    }
}
