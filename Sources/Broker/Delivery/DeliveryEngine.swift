import AgentCore
import AgentdAudit
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Delivers stored messages to connected agents: fetch with wait, subscribe with prefetch,
/// ack/nack, redelivery after the ack timeout, dead letters after the last allowed delivery.
///
/// All decisions are made by `DeliveryState` under `state`'s lock; this class carries out the
/// resulting actions (store calls, promise completions, pushes) outside the lock, and keeps one
/// timer armed for the earliest deadline.
public final class DeliveryEngine: Sendable {
    /// Tunables of delivery.
    public struct Configuration: Sendable {
        /// Unacked deliveries are redelivered after this long.
        public var ackTimeout: TimeAmount = .seconds(30)
        /// The delivery that reaches this attempt number is the last; unacked, the message dies.
        public var maxDeliveries: Int = 5
        /// Most messages asked of the store in one round trip.
        public var maxTake: Int = 1_000
        /// Longest a store call can take (`store_timeout_ms`): after a failed take, its inbox is
        /// checked against the store once twice this has passed.
        public var storeTimeout: TimeAmount = .seconds(2)

        /// The defaults of the contract.
        public init() {}
    }

    let store: any MessageStore
    /// The loop on which store futures of the engine's own work complete, and timers run.
    let loop: any EventLoop
    private let logger: Logger
    /// Where deliveries, acks, nacks, dead letters and expiries are recorded.
    let audit: any AuditSink
    private let state: NIOLockedValueBox<DeliveryState>
    private let armed: NIOLockedValueBox<(deadline: NIODeadline, task: Scheduled<Void>)?>
    private let waiterIDs = NIOLockedValueBox<UInt64>(0)
    private let metrics: BrokerMetrics

    /// Creates an engine over `store`.
    /// - Parameters:
    ///   - metrics: counts deliveries, acks, dead letters, expiries.
    ///   - audit: records deliveries, acks, nacks, dead letters and expiries.
    public init(
        store: any MessageStore,
        configuration: Configuration,
        loop: any EventLoop,
        logger: Logger,
        metrics: BrokerMetrics = BrokerMetrics(),
        audit: any AuditSink = NoAuditSink()
    ) {
        self.store = store
        self.loop = loop
        self.logger = logger
        self.metrics = metrics
        self.audit = audit
        self.state = NIOLockedValueBox(
            DeliveryState(
                limits: .init(
                    ackTimeout: configuration.ackTimeout,
                    maxDeliveries: configuration.maxDeliveries,
                    maxTake: configuration.maxTake,
                    resyncDelay: configuration.storeTimeout * 2
                )
            )
        )
        self.armed = NIOLockedValueBox(nil)
    }

    /// Messages delivered and not yet acked, over all inboxes.
    public var inFlightCount: Int {
        self.state.withLockedValue { $0.inFlightTotal }
    }

    /// Hands back what this daemon's previous run (same `daemon_id`) left in flight, and starts
    /// listening to other daemons' wake-ups.
    public func start() -> EventLoopFuture<Void> {
        self.store.startWatching { [weak self] agent in self?.inboxChanged(agent) }
        return self.store.takeOver(daemon: self.store.daemonID, on: self.loop).map { count in
            if count > 0 {
                self.logger.info("released the previous run's in-flight messages", metadata: ["agentd.recovered": "\(count)"])
            }
        }
    }

    /// Stops the engine's own work: the redelivery timer and other daemons' wake-ups. Every
    /// session has closed by now (the drain), so nothing is left waiting on either.
    public func stop() {
        self.store.startWatching { _ in }
        self.armed.withLockedValue { armed in
            armed?.task.cancel()
            armed = nil
        }
    }

    // MARK: Sessions

    /// Registers a connection that said hello as its agent.
    public func attach(_ session: SessionLink) {
        self.mutate { state, _, _, _ in state.attach(session) }
    }

    /// The connection closed: its waits end and its unacked messages are released at once.
    public func detach(_ session: SessionLink) {
        self.mutate { state, actions, now, wallNow in
            state.detach(session, now: now, wallNow: wallNow, actions: &actions)
        }
    }

    // MARK: Requests

    /// Notes that a message was stored for `agent` (a delayed one too: the take that follows
    /// learns when it is due).
    public func messageStored(for agent: String) {
        self.mutate { state, actions, now, wallNow in
            state.stored(for: agent, now: now, wallNow: wallNow, actions: &actions)
        }
    }

    /// Up to `limit` messages from the session agent's inbox, waiting up to `wait` for the first.
    public func fetch(_ session: SessionLink, limit: Int, wait: TimeAmount) -> EventLoopFuture<[[UInt8]]> {
        let promise = session.eventLoop.makePromise(of: [[UInt8]].self)
        let waiterID = self.waiterIDs.withLockedValue { id in
            id &+= 1
            return id
        }
        self.mutate { state, actions, now, wallNow in
            state.fetch(
                session,
                limit: limit,
                wait: wait,
                waiterID: waiterID,
                promise: promise,
                now: now,
                wallNow: wallNow,
                actions: &actions
            )
        }
        return promise.futureResult
    }

    /// Starts pushing messages to the session, at most `prefetch` unacked at once.
    public func subscribe(_ session: SessionLink, prefetch: Int) {
        self.mutate { state, actions, now, wallNow in
            state.subscribe(session, prefetch: prefetch, now: now, wallNow: wallNow, actions: &actions)
        }
    }

    /// Stops pushing to the session (messages already pushed stay in flight).
    public func unsubscribe(_ session: SessionLink) {
        self.state.withLockedValue { $0.unsubscribe(session) }
    }

    /// Acks messages of the session's agent; the count covers those that were in flight.
    public func ack(_ session: SessionLink, messageIDs: [String]) -> EventLoopFuture<Int> {
        var refs: [EntryRef] = []
        var audited: [(id: String, attempt: Int)] = []
        self.mutate { state, actions, now, wallNow in
            audited = self.audit.isEnabled ? state.inFlightAttempts(session.agentID, messageIDs) : []
            refs = state.ack(session, messageIDs: messageIDs, now: now, wallNow: wallNow, actions: &actions)
        }
        guard !refs.isEmpty else { return session.eventLoop.makeSucceededFuture(0) }
        // Out of flight at once. If the store call fails the XACK may not have landed: the
        // inbox is then checked against the store later and such entries delivered again.
        let acked = refs
        let inbox = session.agentID
        let settled = audited
        return self.store.ack(inbox: inbox, refs: acked, on: session.eventLoop)
            .map { _ in
                self.metrics.acked(acked)
                AuditEvent.messagesSettled("acked", agent: inbox, settled).forEach(self.audit.record)
                return acked.count
            }
            .flatMapErrorThrowing { error in
                self.mutate { state, _, now, _ in state.storeCallFailed(inbox: inbox, now: now) }
                throw error
            }
    }

    /// Releases messages for redelivery, after `delay`; answers how many were in flight once
    /// the store has them back (so a fetch that follows, on any daemon, finds them, and the
    /// delay holds even if this daemon dies right after answering).
    public func nack(_ session: SessionLink, messageIDs: [String], delay: TimeAmount) -> EventLoopFuture<Int> {
        var count = 0
        var audited: [(id: String, attempt: Int)] = []
        var released: [ReleasedEntry] = []
        let inbox = session.agentID
        self.mutate { state, actions, now, wallNow in
            audited = self.audit.isEnabled ? state.inFlightAttempts(inbox, messageIDs) : []
            count = state.nack(session, messageIDs: messageIDs, delay: delay, now: now, wallNow: wallNow, actions: &actions)
            // This nack's own releases are awaited below rather than run in the background.
            actions.removeAll { action in
                guard case .release(let agent, let entry) = action, agent == inbox else { return false }
                released.append(entry)
                return true
            }
        }
        AuditEvent.messagesSettled("nacked", agent: inbox, audited).forEach(self.audit.record)
        let nacked = count
        guard !released.isEmpty else { return session.eventLoop.makeSucceededFuture(nacked) }
        return self.store.release(inbox: inbox, entries: released, on: session.eventLoop)
            .map { _ in
                self.inboxChanged(inbox)
                return nacked
            }
            .flatMapErrorThrowing { error in
                self.mutate { state, _, now, _ in state.storeCallFailed(inbox: inbox, now: now) }
                throw error
            }
    }

    /// `nack` with `dead_letter: true`: moves the messages in flight to the dead letters at
    /// once (reason `rejected`), through the same store call as a last attempt's dead letter;
    /// answers how many were in flight once the store has them.
    public func reject(_ session: SessionLink, messageIDs: [String]) -> EventLoopFuture<Int> {
        var count = 0
        var dead: [(EntryRef, DeadLetterReason)] = []
        let inbox = session.agentID
        self.mutate { state, actions, now, wallNow in
            count = state.reject(session, messageIDs: messageIDs, now: now, wallNow: wallNow, actions: &actions)
            // This nack's own dead letters are awaited below rather than run in the background.
            actions.removeAll { action in
                guard case .deadLetter(let agent, let ref, let reason) = action, agent == inbox else { return false }
                dead.append((ref, reason))
                return true
            }
        }
        let rejected = count
        guard !dead.isEmpty else { return session.eventLoop.makeSucceededFuture(rejected) }
        let moves = dead.map { ref, reason in self.deadLetter(inbox: inbox, ref: ref, reason: reason, on: session.eventLoop) }
        return EventLoopFuture.whenAllSucceed(moves, on: session.eventLoop)
            .map { _ in rejected }
            .flatMapErrorThrowing { error in
                // What did not move is still pending in the store: the resync delivers it again.
                self.mutate { state, _, now, _ in state.storeCallFailed(inbox: inbox, now: now) }
                throw error
            }
    }

    /// `request`: waits up to `timeout` for the first message to the session's agent carrying
    /// `correlationID` (see `DeliveryState+Replies`). Call before sending the request's message.
    /// - Returns: the waiter's id (for `cancelReply`) and the reply as delivered, or nil when
    ///   none came in time or the connection closed.
    public func awaitReply(_ session: SessionLink, correlationID: String, timeout: TimeAmount) -> (UInt64, EventLoopFuture<[UInt8]?>) {
        let promise = session.eventLoop.makePromise(of: [UInt8]?.self)
        let waiterID = self.waiterIDs.withLockedValue { id in
            id &+= 1
            return id
        }
        self.mutate { state, _, now, _ in
            state.awaitReply(session, correlationID: correlationID, timeout: timeout, waiterID: waiterID, promise: promise, now: now)
        }
        return (waiterID, promise.futureResult)
    }

    /// Ends a waiter placed by `awaitReply` (the request's send failed).
    public func cancelReply(_ session: SessionLink, waiterID: UInt64) {
        self.mutate { state, actions, _, _ in
            state.cancelReply(session, waiterID: waiterID, actions: &actions)
        }
    }

    /// The inbox may have changed outside the engine's view (dead letters requeued, another
    /// daemon's send or release, a released delivery handed back).
    public func inboxChanged(_ agent: String) {
        self.mutate { state, actions, now, wallNow in
            state.stored(for: agent, now: now, wallNow: wallNow, actions: &actions)
        }
    }

    /// Reserves a take to ride along with a send to `agent` (see `DeliveryState.takeAlongsideSend`).
    func takeAlongsideSend(to agent: String, priority: Priority) -> AlongsideTake? {
        self.state.withLockedValue { $0.takeAlongsideSend(to: agent, priority: priority) }
    }

    /// The take that rode along with a send ended, with the send's result or failure (then the
    /// take's fate is unknown too, and the engine looks at the inbox again).
    func takeFinished(_ take: AlongsideTake, _ sent: Result<SendResult, any Error>) {
        let result = sent.flatMap { $0.taken ?? .success(TakeResult(taken: [], expired: 0, exhausted: false, retryInMilliseconds: nil)) }
        self.takeFinished(take.request, generation: take.generation, result)
    }

    /// A take ended (on its own or behind a send): deliver what it found, or fail the fetches.
    func takeFinished(_ request: TakeRequest, generation: UInt64, _ result: Result<TakeResult, any Error>) {
        switch result {
        case .success(let taken):
            self.metrics.expired(taken.expired)
            if taken.expired > 0 { self.audit.record(.messagesExpired(inbox: request.inbox, count: taken.expired)) }
            self.mutate { state, actions, now, wallNow in
                state.taken(taken, inbox: request.inbox, generation: generation, now: now, wallNow: wallNow, actions: &actions)
            }
        case .failure(let error):
            let failure = Self.storeError(error)
            self.logger.warning("take failed", metadata: ["agentd.agent_id": "\(request.inbox)", "agentd.error": "\(failure)"])
            self.audit.record(.storeError("take", agent: request.inbox, failure))
            var promises: [EventLoopPromise<[[UInt8]]>] = []
            self.mutate { state, actions, now, _ in
                promises = state.takeFailed(failure, inbox: request.inbox, now: now, actions: &actions)
            }
            for promise in promises {
                promise.fail(failure)
            }
        }
    }

    // MARK: Machinery

    /// Runs `body` under the lock, then the actions it produced, then re-arms the timer.
    private func mutate(_ body: (inout DeliveryState, inout [DeliveryAction], NIODeadline, Int64) -> Void) {
        var actions: [DeliveryAction] = []
        var tally = DeliveryTally()
        let next: NIODeadline? = self.state.withLockedValue { state in
            body(&state, &actions, .now(), WallClock.nowMilliseconds())
            // Under the lock, so the store sees watches and unwatches in the order decided.
            for change in state.watchChanges {
                change.watch ? self.store.watch(change.inbox) : self.store.unwatch(change.inbox)
            }
            state.watchChanges.removeAll()
            if !state.tally.isEmpty {
                swap(&tally, &state.tally)
            }
            return state.timers.nextDeadline
        }
        if let next {
            self.arm(at: next)
        }
        if !tally.isEmpty {
            self.metrics.record(tally)
        }
        self.execute(actions)
    }

    private func execute(_ actions: [DeliveryAction]) {
        var releases: [String: [ReleasedEntry]] = [:]
        var takes: [(TakeRequest, UInt64)] = []
        defer {
            for (inbox, entries) in releases { self.release(inbox: inbox, entries) }
            // After the releases, on the same connection: a resync may release an entry that
            // is already due in the store, which a take sent first would deliver just before
            // the release hands it back for one more delivery (delivered twice).
            for (request, generation) in takes {
                // On the loop that decided (a send's, an ack's): its own Redis connection, no hop.
                let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? self.loop
                self.store.take(request, on: loop).whenComplete { result in
                    self.takeFinished(request, generation: generation, result)
                }
            }
        }
        for action in actions {
            switch action {
            case .take(let request, let generation):
                takes.append((request, generation))
            case .completeFetch(let promise, let frames):
                if !frames.isEmpty && self.audit.isEnabled { self.audit.record(.messagesDelivered(frames, mode: "fetch")) }
                promise.succeed(frames)
            case .push(let session, let frames):
                if self.audit.isEnabled { self.audit.record(.messagesDelivered(frames, mode: "push")) }
                session.push(frames)
            case .deadLetter(let inbox, let ref, let reason):
                _ = self.deadLetter(inbox: inbox, ref: ref, reason: reason, on: self.loop)
            case .release(let inbox, let entry):
                // Gathered per inbox: one store call for everything a closed connection held.
                releases[inbox, default: []].append(entry)
            case .takeReplies(let request):
                self.takeReplies(request)
            case .completeRequest(let promise, let frame):
                if let frame, self.audit.isEnabled { self.audit.record(.messagesDelivered([frame], mode: "request")) }
                promise.succeed(frame)
            case .ackReply(let inbox, let ref):
                self.store.ack(inbox: inbox, refs: [ref], on: self.loop).whenComplete { result in
                    switch result {
                    case .success: self.metrics.acked([ref])
                    case .failure:
                        // Still pending in the store: the resync finds it (delivered again).
                        self.mutate { state, _, now, _ in state.storeCallFailed(inbox: inbox, now: now) }
                    }
                }
            case .putBack(let inbox, let reply):
                self.store.putBack(reply, inbox: inbox, on: self.loop).whenComplete { result in
                    switch result {
                    case .success: self.inboxChanged(inbox)
                    case .failure(let error):
                        self.logger.error("putting a late reply back failed", metadata: ["agentd.agent_id": "\(inbox)", "agentd.error": "\(error)"])
                    }
                }
            case .resync(let inbox):
                self.store.pending(inbox: inbox, on: self.loop).whenComplete { result in
                    switch result {
                    case .success(let pending):
                        self.mutate { state, actions, now, wallNow in
                            state.resynced(inbox, pending: pending, now: now, wallNow: wallNow, actions: &actions)
                        }
                    case .failure(let error):
                        self.logger.warning("checking a failed take's inbox failed", metadata: ["agentd.agent_id": "\(inbox)", "agentd.error": "\(error)"])
                        self.mutate { state, _, now, _ in state.resyncFailed(inbox, now: now) }
                    }
                }
            }
        }
    }

    /// Looks for the replies waiting requests want, then lets the inbox go on.
    private func takeReplies(_ request: ReplyTakeRequest) {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? self.loop
        self.store.takeReplies(request, on: loop).whenComplete { result in
            switch result {
            case .success(let found):
                for reply in found.replies { self.metrics.acked([reply.message.ref]) }
                self.mutate { state, actions, now, wallNow in
                    state.repliesTaken(found, inbox: request.inbox, now: now, wallNow: wallNow, actions: &actions)
                }
            case .failure(let error):
                self.logger.warning("looking for replies failed", metadata: ["agentd.agent_id": "\(request.inbox)", "agentd.error": "\(error)"])
                self.mutate { state, _, now, _ in state.replyTakeFailed(inbox: request.inbox, now: now) }
            }
        }
    }

    /// Moves one in-flight message to the dead letters, with its audit record and metric.
    private func deadLetter(inbox: String, ref: EntryRef, reason: DeadLetterReason, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.audit.record(.messageDeadLettered(inbox: inbox, ref: ref, reason: reason))
        let moved = self.store.deadLetter(inbox: inbox, ref: ref, reason: reason, on: loop)
        moved.whenSuccess { self.metrics.deadLettered(ref.priority) }
        moved.whenFailure { error in
            self.audit.record(.storeError("dead_letter", agent: inbox, error))
            // The entry stays in the store's pending list and is redelivered after a restart.
            self.logger.error("dead-lettering failed", metadata: ["agentd.agent_id": "\(inbox)", "agentd.error": "\(error)"])
        }
        return moved
    }

    /// Hands deliveries back to the store; once there, this daemon's sessions may take them
    /// (other daemons are woken by the store). If the call fails they stay in this daemon's
    /// pending list, where the inbox's resync finds them.
    private func release(inbox: String, _ entries: [ReleasedEntry]) {
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? self.loop
        self.store.release(inbox: inbox, entries: entries, on: loop).whenComplete { result in
            switch result {
            case .success:
                self.inboxChanged(inbox)
            case .failure(let error):
                self.logger.warning("releasing deliveries failed", metadata: ["agentd.agent_id": "\(inbox)", "agentd.error": "\(error)"])
                self.mutate { state, _, now, _ in state.storeCallFailed(inbox: inbox, now: now) }
            }
        }
    }

    /// Keeps one scheduled task for the earliest deadline.
    private func arm(at deadline: NIODeadline) {
        self.armed.withLockedValue { armed in
            if let current = armed, current.deadline <= deadline { return }
            armed?.task.cancel()
            let task = self.loop.scheduleTask(deadline: deadline) { self.timerFired() }
            armed = (deadline, task)
        }
    }

    private func timerFired() {
        self.armed.withLockedValue { $0 = nil }
        self.mutate { state, actions, now, wallNow in
            while let event = state.timers.popDue(now: now) {
                state.fire(event, now: now, wallNow: wallNow, actions: &actions)
            }
        }
    }

    /// Maps any store failure to the wire error.
    static func storeError(_ error: any Error) -> AgentdError {
        if let error = error as? AgentdError { return error }
        return .internal(cause: error)
    }
}
