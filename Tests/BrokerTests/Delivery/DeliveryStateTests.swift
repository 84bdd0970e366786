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

    mutating func taken(_ messages: [TakenMessage], inbox: String = "a", exhausted: Bool = true, dropped: [EntryRef] = [], generation: UInt64? = nil) -> [DeliveryAction] {
        var actions: [DeliveryAction] = []
        let result = TakeResult(taken: messages, dropped: dropped, expired: 0, exhausted: exhausted)
        let current = generation ?? self.state.inboxes[inbox]?.generation ?? 0
        self.state.taken(result, inbox: inbox, generation: current, now: self.now, wallNow: self.wallNow, actions: &actions)
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

private func taken(_ id: String, _ low: UInt64, priority: Priority = .medium, retry: Bool = false) -> TakenMessage {
    TakenMessage(
        ref: EntryRef(priority: priority, entryID: entry(low)),
        messageID: id,
        body: Array("{\"message_id\":\"\(id)\"}".utf8),
        isRetry: retry
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

/// The pushes among `actions`: to which session, the pushed events parsed.
private func pushes(_ actions: [DeliveryAction]) throws -> [(UInt64, [JSONValue])] {
    try actions.compactMap { action in
        guard case .push(let session, let frames) = action else { return nil }
        return (session.id, try frames.map { try JSONParser.parse($0) })
    }
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
        #expect(request.retries.isEmpty)
        #expect(request.now == f.wallNow)

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

    // MARK: Pump and retries

    @Test func pumpSendsRetriesInPriorityOrderOldestFirst() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        // Released in any order; kept sorted by entry id within each priority.
        for (low, priority) in [(5, Priority.low), (7, .critical), (3, .critical), (4, .medium), (9, .critical)] as [(UInt64, Priority)] {
            f.state.inboxes["a", default: InboxState()].addRetry(RetryEntry(entryID: entry(low), attempts: 1), priority: priority)
        }
        let (_, actions) = f.fetch(session, limit: 2)
        let request = try #require(takes(actions).first)
        #expect(request.limit == 2)
        // Each priority's list is cut to the demand; the store walks priorities in delivery order.
        #expect(request.retries[.critical] == [entry(3), entry(7)])
        #expect(request.retries[.high] == nil)
        #expect(request.retries[.medium] == [entry(4)])
        #expect(request.retries[.low] == [entry(5)])
    }

    @Test func retriesGetTheirNextAttemptNumber() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        f.state.inboxes["a", default: InboxState()].addRetry(RetryEntry(entryID: entry(1), attempts: 3), priority: .high)
        let (promise, _) = f.fetch(session)
        let done = try completions(f.taken([taken("r", 1, priority: .high, retry: true), taken("n", 2)]))
        #expect(done.first?.0 === promise.futureResult)
        #expect(done.first?.1.map { $0["delivery"]?["attempt"] } == [4, 1])
        #expect(done.first?.1.map { $0["message_id"] } == ["r", "n"])
        #expect(f.state.inboxes["a"]?.hasRetries == false)
        #expect(f.state.inFlightTotal == 2)
    }

    @Test func droppedRetriesAreForgotten() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let ref = EntryRef(priority: .low, entryID: entry(8))
        f.state.inboxes["a", default: InboxState()].addRetry(RetryEntry(entryID: ref.entryID, attempts: 1), priority: .low)
        _ = f.fetch(session)
        _ = f.taken([], dropped: [ref])
        #expect(f.state.inboxes["a"]?.hasRetries == false)
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
        var actions: [DeliveryAction] = []
        f.state.stored(for: "a", now: f.now, wallNow: f.wallNow, actions: &actions)
        #expect(actions.isEmpty)  // a take is already running
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

        // Nobody wants m5 and m6 now: they wait as retries, not counted as delivered.
        let inbox = try #require(f.state.inboxes["a"])
        #expect(inbox.retries[Priority.medium.deliveryRank].map(\.entryID) == [entry(5), entry(6)])
        #expect(inbox.retries[Priority.medium.deliveryRank].map(\.attempts) == [0, 0])
        #expect(inbox.subscribers[subscriberA.id]?.credit == 0)
        #expect(inbox.subscribers[subscriberC.id]?.credit == 0)
        #expect(f.state.inFlightTotal == 4)
        // No demand left: no new take.
        #expect(takes(actions).isEmpty)
    }

    @Test func ackFreesSubscriberCredit() throws {
        var f = Fixture()
        defer { f.finish() }
        let subscriber = f.session()
        _ = f.subscribe(subscriber, prefetch: 1)
        let first = f.taken([taken("m1", 1), taken("m2", 2)], exhausted: true)
        #expect(try pushes(first).flatMap { $0.1 }.count == 1)
        #expect(f.state.inboxes["a"]?.subscribers[subscriber.id]?.credit == 0)

        let (refs, actions) = f.ack(subscriber, ["m1", "unknown"])
        #expect(refs == [EntryRef(priority: .medium, entryID: entry(1))])
        #expect(f.state.inFlightTotal == 0)
        // The credit is back and m2 waits as a retry: ask the store for it.
        let request = try #require(takes(actions).first)
        #expect(request.limit == 1)
        #expect(request.retries[.medium] == [entry(2)])

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

    @Test func nackMakesARetryWithTheSameAttemptCount() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        let (count, actions) = f.nack(session, ["m1", "not-in-flight"])
        #expect(count == 1)
        #expect(deadLetters(actions).isEmpty)
        #expect(f.state.inboxes["a"]?.retries[Priority.medium.deliveryRank].map(\.attempts) == [1])
        #expect(f.state.inFlightTotal == 0)
    }

    @Test func nackWithDelayWaitsForItsTimer() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        _ = f.nack(session, ["m1"], delay: .seconds(2))
        #expect(f.state.inboxes["a"]?.hasRetries == false)
        var events: [TimerEvent] = []
        while let event = f.state.timers.popDue(now: f.now + .seconds(2)) {
            events.append(event)
        }
        let retry = try #require(events.compactMap { event -> RetryEntry? in
            if case .retryDue(_, _, let entry) = event { return entry }
            return nil
        }.first)
        _ = f.fire(.retryDue(inbox: "a", priority: .medium, entry: retry))
        #expect(f.state.inboxes["a"]?.retries[Priority.medium.deliveryRank].map(\.entryID) == [entry(1)])
    }

    @Test func releaseAtMaxDeliveriesDeadLetters() throws {
        var f = Fixture(maxDeliveries: 2)
        defer { f.finish() }
        let session = f.session()
        f.state.inboxes["a", default: InboxState()].addRetry(RetryEntry(entryID: entry(1), attempts: 1), priority: .high)
        let (promise, _) = f.fetch(session)
        let delivered = try completions(f.taken([taken("m1", 1, priority: .high, retry: true)]))
        #expect(delivered.first?.0 === promise.futureResult)
        #expect(delivered.first?.1.first?["delivery"]?["attempt"] == 2)

        let (count, actions) = f.nack(session, ["m1"])
        #expect(count == 1)
        let dead = deadLetters(actions)
        #expect(dead.count == 1)
        #expect(dead.first?.0 == "a")
        #expect(dead.first?.1 == EntryRef(priority: .high, entryID: entry(1)))
        #expect(dead.first?.2.reason == "max_deliveries")
        #expect(dead.first?.2.attempts == 2)
        #expect(f.state.inboxes["a"]?.hasRetries == false)
        #expect(f.state.inFlightTotal == 0)
    }

    @Test func ackTimeoutRedeliversAndAStaleTokenIsIgnored() throws {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        let (promise, _) = f.fetch(session)
        _ = f.taken([taken("m1", 1)])
        _ = promise
        let oldToken = try #require(f.state.inboxes["a"]?.inFlight["m1"]?.token)

        // Nacked and delivered again: the first delivery's timer is now stale.
        _ = f.nack(session, ["m1"])
        let (second, fetchActions) = f.fetch(session)
        #expect(takes(fetchActions).first?.retries[.medium] == [entry(1)])
        let again = try completions(f.taken([taken("m1", 1, retry: true)]))
        #expect(again.first?.0 === second.futureResult)
        #expect(again.first?.1.first?["delivery"]?["attempt"] == 2)
        let newToken = try #require(f.state.inboxes["a"]?.inFlight["m1"]?.token)
        #expect(newToken != oldToken)

        #expect(f.fire(.ackTimeout(inbox: "a", messageID: "m1", token: oldToken)).isEmpty)
        #expect(f.state.inboxes["a"]?.inFlight["m1"] != nil)

        // The current delivery's timer releases it for attempt 3.
        _ = f.fire(.ackTimeout(inbox: "a", messageID: "m1", token: newToken))
        #expect(f.state.inboxes["a"]?.inFlight["m1"] == nil)
        #expect(f.state.inboxes["a"]?.retries[Priority.medium.deliveryRank].map(\.attempts) == [2])
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

        var actions: [DeliveryAction] = []
        f.state.detach(first, now: f.now, wallNow: f.wallNow, actions: &actions)
        let ended = try completions(actions)
        #expect(ended.count == 1)
        #expect(ended.first?.0 === waiting.futureResult)
        #expect(ended.first?.1.isEmpty == true)
        #expect(f.state.inboxes["a"]?.inFlight.isEmpty == true)
        #expect(f.state.inboxes["a"]?.retries[Priority.medium.deliveryRank].map(\.attempts) == [1])

        // The other connection of the same agent gets it as attempt 2.
        let (promise, fetchActions) = f.fetch(second)
        #expect(takes(fetchActions).first?.retries[.medium] == [entry(1)])
        let again = try completions(f.taken([taken("m1", 1, retry: true)]))
        #expect(again.first?.0 === promise.futureResult)
        #expect(again.first?.1.first?["delivery"]?["attempt"] == 2)
    }

    @Test func idleInboxesAreDropped() {
        var f = Fixture()
        defer { f.finish() }
        let session = f.session()
        var actions: [DeliveryAction] = []
        f.state.detach(session, now: f.now, wallNow: f.wallNow, actions: &actions)
        #expect(f.state.inboxes["a"] == nil)
        #expect(actions.isEmpty)
    }

    @Test func recoveredEntriesBecomeRetriesOrDeadLetters() {
        var f = Fixture(maxDeliveries: 3)
        defer { f.finish() }
        var actions: [DeliveryAction] = []
        f.state.recovered(
            [
                "a": [
                    RecoveredEntry(ref: EntryRef(priority: .low, entryID: entry(1)), deliveries: 2),
                    RecoveredEntry(ref: EntryRef(priority: .low, entryID: entry(2)), deliveries: 3),
                ]
            ],
            wallNow: f.wallNow,
            actions: &actions
        )
        #expect(f.state.inboxes["a"]?.retries[Priority.low.deliveryRank].map(\.entryID) == [entry(1)])
        #expect(f.state.inboxes["a"]?.retries[Priority.low.deliveryRank].map(\.attempts) == [2])
        #expect(deadLetters(actions).map(\.1.entryID) == [entry(2)])
        #expect(deadLetters(actions).map(\.2.at) == [Timestamp(millisecondsSinceEpoch: f.wallNow)])
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
}
