import AgentCore
import NIOCore

/// All delivery decisions, as a value: inboxes, in-flight messages, timers.
///
/// Methods mutate the state and append the side effects to carry out; they never call the store
/// or complete promises themselves. The engine holds this under a lock.
struct DeliveryState: Sendable {
    struct Limits: Sendable {
        var ackTimeout: TimeAmount
        var maxDeliveries: Int
        /// Most messages asked of the store in one take.
        var maxTake: Int
        /// How long after a failed take its inbox is checked against the store (see
        /// `DeliveryState+Resync`): long enough for every store call made before the failure
        /// to have ended, one way or the other.
        var resyncDelay: TimeAmount = .seconds(4)
    }

    let limits: Limits
    var inboxes: [String: InboxState] = [:]
    var timers = DeadlineHeap<TimerEvent>()
    var inFlightTotal = 0
    /// Deliveries since the engine last collected them (for metrics).
    var tally = DeliveryTally()
    private var nextToken: UInt64 = 0
    /// Inboxes to start (true) or stop (false) watching for other daemons' wake-ups, in order;
    /// the engine applies them under its lock, so the store sees them in this order.
    var watchChanges: [(inbox: String, watch: Bool)] = []

    init(limits: Limits) {
        self.limits = limits
    }

    private mutating func token() -> UInt64 {
        self.nextToken &+= 1
        return self.nextToken
    }

    // MARK: Sessions

    mutating func attach(_ session: SessionLink) {
        self.inboxes[session.agentID, default: InboxState()].sessions += 1
        if self.inboxes[session.agentID]?.sessions == 1 {
            self.watchChanges.append((session.agentID, true))
        }
    }

    mutating func detach(_ session: SessionLink, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        let agent = session.agentID
        guard var inbox = self.inboxes.removeValue(forKey: agent) else { return }
        inbox.sessions -= 1
        if inbox.subscribers.removeValue(forKey: session.id) != nil {
            inbox.subscriberOrder.removeAll { $0 == session.id }
        }
        inbox.waiters.removeAll { waiter in
            guard waiter.session.id == session.id else { return false }
            actions.append(.completeFetch(waiter.promise, []))
            return true
        }
        // Nobody reads their answers now; a reply that comes later is delivered normally.
        inbox.replyWaiters.removeAll { waiter in
            guard waiter.session.id == session.id else { return false }
            actions.append(.completeRequest(waiter.promise, nil))
            return true
        }
        // Everything delivered on the closed connection is deliverable again at once.
        let orphaned = inbox.inFlight.filter { $0.value.sessionID == session.id }
        self.inboxes[agent] = inbox
        for (messageID, _) in orphaned {
            self.release(inbox: agent, messageID: messageID, delay: nil, now: now, wallNow: wallNow, actions: &actions)
        }
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        self.dropIfIdle(agent)
    }

    mutating func dropIfIdle(_ agent: String) {
        if let inbox = self.inboxes[agent], inbox.isIdle {
            self.inboxes[agent] = nil
            self.watchChanges.append((agent, false))
        }
    }

    // MARK: Requests

    mutating func fetch(
        _ session: SessionLink,
        limit: Int,
        wait: TimeAmount,
        waiterID: UInt64,
        promise: EventLoopPromise<[[UInt8]]>,
        now: NIODeadline,
        wallNow: Int64,
        actions: inout [DeliveryAction]
    ) {
        let agent = session.agentID
        let deadline = now + wait
        self.inboxes[agent, default: InboxState()].waiters.append(
            Waiter(id: waiterID, session: session, limit: limit, promise: promise, deadline: deadline)
        )
        if wait > .zero {
            self.timers.push(.fetchDeadline(inbox: agent, waiterID: waiterID), at: deadline)
        }
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
    }

    mutating func subscribe(_ session: SessionLink, prefetch: Int, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        let agent = session.agentID
        var inbox = self.inboxes.removeValue(forKey: agent) ?? InboxState()
        // Pushed messages still unacked on this connection use up part of the new prefetch.
        let unacked = inbox.inFlight.values.count { $0.sessionID == session.id && $0.pushed }
        if inbox.subscribers[session.id] == nil {
            inbox.subscriberOrder.append(session.id)
        }
        inbox.subscribers[session.id] = Subscriber(session: session, credit: max(0, prefetch - unacked))
        self.inboxes[agent] = inbox
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
    }

    mutating func unsubscribe(_ session: SessionLink) {
        guard self.inboxes[session.agentID]?.subscribers.removeValue(forKey: session.id) != nil else { return }
        self.inboxes[session.agentID]?.subscriberOrder.removeAll { $0 == session.id }
    }

    /// Takes acked messages out of flight; returns the store entries to remove.
    mutating func ack(_ session: SessionLink, messageIDs: [String], now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) -> [EntryRef] {
        let agent = session.agentID
        guard var inbox = self.inboxes.removeValue(forKey: agent) else { return [] }
        var refs: [EntryRef] = []
        for id in messageIDs {
            guard let record = inbox.inFlight.removeValue(forKey: id) else { continue }
            refs.append(record.ref)
            if inbox.resyncPending {
                inbox.ackedDuringResync.insert(record.ref.entryID)
            }
            self.inFlightTotal -= 1
            if record.pushed {
                inbox.addCredit(1, to: record.sessionID)
            }
        }
        self.inboxes[agent] = inbox
        if !refs.isEmpty {
            self.compactTimersIfNeeded()
            self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        }
        return refs
    }

    /// Acked messages leave their ack-timeout events behind in the heap (removing one from
    /// the middle of a heap is costly). At high throughput those would pile up for a whole
    /// `ack_timeout_ms`, so once stale events outnumber live ones the heap is rebuilt:
    /// memory stays proportional to what is really in flight, at amortised O(1) per ack.
    mutating func compactTimersIfNeeded() {
        guard self.timers.count > 2 * self.inFlightTotal + 4_096 else { return }
        let inboxes = self.inboxes
        self.timers.removeAll { event in
            guard case .ackTimeout(let agent, let messageID, let token) = event else { return false }
            return inboxes[agent]?.inFlight[messageID]?.token != token
        }
    }

    /// Puts messages back for delivery; returns how many were in flight.
    mutating func nack(_ session: SessionLink, messageIDs: [String], delay: TimeAmount, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) -> Int {
        var count = 0
        for id in messageIDs where self.inboxes[session.agentID]?.inFlight[id] != nil {
            self.release(inbox: session.agentID, messageID: id, delay: delay > .zero ? delay : nil, now: now, wallNow: wallNow, actions: &actions)
            count += 1
        }
        self.pump(session.agentID, now: now, wallNow: wallNow, actions: &actions)
        return count
    }

    /// `nack` with `dead_letter: true`: the messages in flight go to the dead letters now,
    /// reason `rejected`, whatever their attempt; returns how many were in flight.
    mutating func reject(_ session: SessionLink, messageIDs: [String], now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) -> Int {
        let agent = session.agentID
        var count = 0
        for id in messageIDs {
            guard let record = self.takeOutOfFlight(inbox: agent, messageID: id) else { continue }
            actions.append(Self.deadLetter(agent, record.ref, id, reason: "rejected", attempts: record.attempt, wallNow: wallNow))
            count += 1
        }
        // Their credit is back: pushing may go on.
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        return count
    }

    /// A message was stored for `agent`: there is something new to read.
    mutating func stored(for agent: String, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        let known: Void? = self.updateInbox(agent) { inbox in
            inbox.mayHaveNew = true
            inbox.repliesMayHaveNew = true
            inbox.generation &+= 1
        }
        guard known != nil else { return }
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
    }

    /// Changes `agent`'s inbox, if it has one, through a move out of the dictionary and back.
    /// The hot paths use this rather than `inboxes[agent]?.field = …`: each such line is a
    /// modify access that allocates (three of them were three allocations per message).
    @discardableResult
    mutating func updateInbox<R>(_ agent: String, _ body: (inout InboxState) -> R) -> R? {
        guard var inbox = self.inboxes.removeValue(forKey: agent) else { return nil }
        defer { self.inboxes[agent] = inbox }
        return body(&inbox)
    }

    // MARK: Release and timers

    /// Ends a delivery without an ack: hand it back to the store for another attempt (now or
    /// after `delay`, on any daemon) or, when the delivery was the last one allowed, move the
    /// message to the dead letters.
    private mutating func release(inbox agent: String, messageID: String, delay: TimeAmount?, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        guard let record = self.takeOutOfFlight(inbox: agent, messageID: messageID) else { return }
        if record.attempt >= self.limits.maxDeliveries {
            actions.append(Self.deadLetter(agent, record.ref, messageID, reason: "max_deliveries", attempts: record.attempt, wallNow: wallNow))
        } else {
            let milliseconds = delay.map { $0.nanoseconds / 1_000_000 } ?? 0
            actions.append(.release(inbox: agent, entry: ReleasedEntry(ref: record.ref, deliveries: record.attempt, delayMilliseconds: milliseconds)))
        }
    }

    /// The action that moves an entry of `agent`'s inbox to its dead letters.
    private static func deadLetter(_ agent: String, _ ref: EntryRef, _ messageID: String, reason: String, attempts: Int, wallNow: Int64) -> DeliveryAction {
        let reason = DeadLetterReason(reason: reason, attempts: attempts, at: Timestamp(millisecondsSinceEpoch: wallNow), messageID: messageID)
        return .deadLetter(inbox: agent, ref: ref, reason: reason)
    }

    /// Ends a delivery in this state's books (the store is told by the caller's action): the
    /// in-flight record is removed and a pushed message's credit given back.
    private mutating func takeOutOfFlight(inbox agent: String, messageID: String) -> InFlight? {
        guard var inbox = self.inboxes.removeValue(forKey: agent) else { return nil }
        defer { self.inboxes[agent] = inbox }
        guard let record = inbox.inFlight.removeValue(forKey: messageID) else { return nil }
        self.inFlightTotal -= 1
        if record.pushed {
            inbox.addCredit(1, to: record.sessionID)
        }
        return record
    }

    /// Handles one timer event that came due.
    mutating func fire(_ event: TimerEvent, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        switch event {
        case .ackTimeout(let agent, let messageID, let token):
            guard self.inboxes[agent]?.inFlight[messageID]?.token == token else { return }
            self.release(inbox: agent, messageID: messageID, delay: nil, now: now, wallNow: wallNow, actions: &actions)
            self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        case .fetchDeadline(let agent, let waiterID):
            guard let index = self.inboxes[agent]?.waiters.firstIndex(where: { $0.id == waiterID }),
                let waiter = self.inboxes[agent]?.waiters.remove(at: index)
            else { return }
            actions.append(.completeFetch(waiter.promise, []))
            self.dropIfIdle(agent)
        case .pumpAgain(let agent):
            let known: Void? = self.updateInbox(agent) { inbox in
                inbox.wakeAt = nil
                inbox.mayHaveNew = true
                inbox.repliesMayHaveNew = true
            }
            guard known != nil else { return }
            self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        case .resync(let agent):
            self.startResync(agent, now: now, actions: &actions)
        case .replyDeadline(let agent, let waiterID):
            self.replyTimedOut(agent, waiterID: waiterID, actions: &actions)
        }
    }

    // MARK: Pump

    /// Starts a take when the inbox has demand and may have supply; otherwise answers the
    /// fetches that cannot wait any longer.
    mutating func pump(_ agent: String, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        guard self.inboxes[agent]?.taking == false, var inbox = self.inboxes.removeValue(forKey: agent) else { return }
        defer { self.inboxes[agent] = inbox }
        // Waiting requests look first: an ordinary take could hand their replies to others.
        if let request = self.replyTake(&inbox, agent: agent) {
            actions.append(.takeReplies(request))
            return
        }
        let demand = min(inbox.demand, self.limits.maxTake)
        guard demand > 0 else { return }
        guard inbox.mayHaveNew else {
            // Nothing to give: fetches whose wait is over get an empty answer now.
            inbox.waiters.removeAll { waiter in
                guard waiter.deadline <= now else { return false }
                actions.append(.completeFetch(waiter.promise, []))
                return true
            }
            return
        }
        inbox.taking = true
        actions.append(.take(TakeRequest(inbox: agent, limit: demand), generation: inbox.generation))
    }

    /// A take to run right behind a send to `agent`, in the same store round trip, when the
    /// inbox has demand and no take in flight: the new message then reaches its consumer with
    /// the send's answer instead of one round trip later. When the inbox is known to hold
    /// nothing else deliverable (its last take found it empty, no send or wake-up came since,
    /// nothing released or delayed is due), the take reads only the unread messages of the
    /// send's `priority`, which the Redis store does without a script. A send from another
    /// daemon whose wake-up has not arrived yet is then delivered by the take that wake-up
    /// starts: concurrent sends have no order between them anyway.
    mutating func takeAlongsideSend(to agent: String, priority: Priority) -> AlongsideTake? {
        let limit = self.limits.maxTake
        // In place: a copy of the inbox would retain every table in it, on every send.
        let take = self.updateInbox(agent) { inbox -> AlongsideTake? in
            // A waiting request looks for its reply first (`pump`), so not alongside the send.
            guard !inbox.taking, inbox.replyWaiters.isEmpty else { return nil }
            let demand = min(inbox.demand, limit)
            guard demand > 0 else { return nil }
            inbox.taking = true
            let knownEmpty = !inbox.mayHaveNew && inbox.wakeAt == nil && !inbox.resyncPending
            return AlongsideTake(
                request: TakeRequest(inbox: agent, limit: demand, scope: knownEmpty ? .unread(priority) : .all),
                generation: inbox.generation &+ 1
            )
        }
        return take ?? nil
    }

    /// A take finished: hand the messages to waiting fetches, then to subscribers.
    mutating func taken(
        _ result: TakeResult,
        inbox agent: String,
        generation: UInt64,
        now: NIODeadline,
        wallNow: Int64,
        actions: inout [DeliveryAction]
    ) {
        guard var inbox = self.inboxes.removeValue(forKey: agent) else {
            // Nobody to give them to any more: back to the store, not counted as attempts.
            for message in result.taken {
                actions.append(.release(inbox: agent, entry: ReleasedEntry(ref: message.ref, deliveries: message.attempt - 1, delayMilliseconds: 0)))
            }
            return
        }
        inbox.taking = false
        if result.exhausted && inbox.generation == generation {
            inbox.mayHaveNew = false
        }
        if let milliseconds = result.retryInMilliseconds {
            // Someone must look again when the next released delivery or delayed send is due.
            let due = now + .milliseconds(max(1, milliseconds))
            if inbox.wakeAt.map({ $0 > due }) ?? true {
                inbox.wakeAt = due
                self.timers.push(.pumpAgain(inbox: agent), at: due)
            }
        }
        // The attempt is the store's delivery count. Past the last allowed one (a delivery made
        // by a daemon that died, whose count reached the limit), the message is dead instead.
        var deliveries: [(TakenMessage, Int)] = []
        deliveries.reserveCapacity(result.taken.count)
        for message in result.taken {
            if message.attempt > self.limits.maxDeliveries {
                let attempts = message.attempt - 1
                actions.append(Self.deadLetter(agent, message.ref, message.messageID, reason: "max_deliveries", attempts: attempts, wallNow: wallNow))
            } else {
                deliveries.append((message, message.attempt))
            }
        }
        let time = Timestamp(millisecondsSinceEpoch: wallNow)
        if !inbox.replyWaiters.isEmpty {
            // A take that ran beside a reply's arrival: the reply still goes to its request.
            deliveries = self.answerRequests(with: deliveries, inbox: &inbox, agent: agent, time: time, actions: &actions)
        }
        var next = 0

        while next < deliveries.count, !inbox.waiters.isEmpty {
            let waiter = inbox.waiters.removeFirst()
            let end = min(deliveries.count, next + waiter.limit)
            var frames: [[UInt8]] = []
            frames.reserveCapacity(end - next)
            for (message, attempt) in deliveries[next..<end] {
                frames.append(self.deliver(message, attempt: attempt, to: waiter.session.id, pushed: false, inbox: &inbox, agent: agent, now: now, time: time))
            }
            next = end
            actions.append(.completeFetch(waiter.promise, frames))
        }

        // Per subscriber, in the order first served; an inbox has few subscribers, and a
        // dictionary's `[id, default: []].append` would allocate once per message.
        var batches: [(sessionID: UInt64, frames: [[UInt8]])] = []
        var idleRounds = 0
        while next < deliveries.count, !inbox.subscriberOrder.isEmpty, idleRounds < inbox.subscriberOrder.count {
            let slot = inbox.nextSubscriber % inbox.subscriberOrder.count
            inbox.nextSubscriber = slot + 1
            let sessionID = inbox.subscriberOrder[slot]
            guard let subscriber = inbox.subscribers[sessionID], subscriber.credit > 0 else {
                idleRounds += 1
                continue
            }
            idleRounds = 0
            inbox.addCredit(-1, to: sessionID)
            let (message, attempt) = deliveries[next]
            next += 1
            let frame = self.deliver(message, attempt: attempt, to: sessionID, pushed: true, inbox: &inbox, agent: agent, now: now, time: time)
            if let index = batches.firstIndex(where: { $0.sessionID == sessionID }) {
                batches[index].frames.append(frame)
            } else {
                batches.append((sessionID, [frame]))
            }
        }
        for (sessionID, frames) in batches {
            if let subscriber = inbox.subscribers[sessionID] {
                actions.append(.push(subscriber.session, frames))
            }
        }

        // Whoever asked went away while the take ran: these were never sent, so they do not
        // count as an attempt.
        for (message, attempt) in deliveries[next...] {
            actions.append(.release(inbox: agent, entry: ReleasedEntry(ref: message.ref, deliveries: attempt - 1, delayMilliseconds: 0)))
        }
        self.inboxes[agent] = inbox
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        self.dropIfIdle(agent)
    }

    /// A take failed (store unavailable): fail the fetches, retry subscribers a little later.
    mutating func takeFailed(_ error: AgentdError, inbox agent: String, now: NIODeadline, actions: inout [DeliveryAction]) -> [EventLoopPromise<[[UInt8]]>] {
        guard var inbox = self.inboxes[agent] else { return [] }
        inbox.taking = false
        if !inbox.resyncPending {
            // The take may have run in Redis all the same (unavailable: cut off on the way;
            // any other failure: its answer could not be read): look for what it took, later.
            inbox.resyncPending = true
            inbox.ackedDuringResync = []
            self.timers.push(.resync(inbox: agent), at: now + self.limits.resyncDelay)
        }
        let failed = inbox.waiters.map(\.promise)
        inbox.waiters.removeAll()
        if !inbox.subscribers.isEmpty {
            self.timers.push(.pumpAgain(inbox: agent), at: now + .milliseconds(500))
        }
        self.inboxes[agent] = inbox
        self.dropIfIdle(agent)
        return failed
    }

    private mutating func deliver(
        _ message: TakenMessage,
        attempt: Int,
        to sessionID: UInt64,
        pushed: Bool,
        inbox: inout InboxState,
        agent: String,
        now: NIODeadline,
        time: Timestamp
    ) -> [UInt8] {
        let token = self.token()
        if inbox.inFlight.updateValue(
            InFlight(ref: message.ref, attempt: attempt, sessionID: sessionID, pushed: pushed, token: token),
            forKey: message.messageID
        ) == nil {
            self.inFlightTotal += 1
        }
        self.timers.push(.ackTimeout(inbox: agent, messageID: message.messageID, token: token), at: now + self.limits.ackTimeout)
        self.tally.count(message.ref.priority, attempt: attempt)
        return EncodedMessage.delivered(message.body, attempt: attempt, at: time)
    }
}

extension DeliveryState {
    /// The given messages of `agent` that are in flight, with their attempt (for the audit log).
    func inFlightAttempts(_ agent: String, _ messageIDs: [String]) -> [(id: String, attempt: Int)] {
        guard let inbox = self.inboxes[agent] else { return [] }
        return messageIDs.compactMap { id in inbox.inFlight[id].map { (id, $0.attempt) } }
    }
}
