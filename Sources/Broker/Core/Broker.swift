import AgentCore
import AgentdAudit
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The message broker behind every session: stores sends, hands deliveries to the engine, and
/// answers the observability ops.
public final class Broker: Sendable {
    /// The version reported by `hello`, `stats` and `--version`.
    public static let version = "0.1.0"

    /// Settings.
    public let configuration: BrokerConfiguration
    /// Durable storage.
    public let store: any MessageStore
    /// Delivery to connected agents.
    public let engine: DeliveryEngine
    /// Checks `hello` tokens; nil when `auth.mode = none` (any hello is accepted).
    public let authenticator: HelloAuthenticator?
    /// Counters and histograms (swift-metrics); gauges are refreshed by `refreshMetrics`.
    public let metrics: BrokerMetrics
    /// Where audit events go (`audit_dir`); `NoAuditSink` when off.
    public let audit: any AuditSink
    /// This daemon's lease among the daemons of the system (a `Service`).
    public let membership: DaemonMembership
    /// The delivery engine's lifetime (a `Service`: stops after the drain).
    public var deliveryService: DeliveryService { DeliveryService(engine: self.engine) }
    let presence = AgentPresence()
    let registry: AgentRegistry
    let coordinator: Coordinator
    /// Liveness writes, the heartbeat sweeper, task deadlines and the outbox (a `Service`).
    public let timers: CoordinationTimers
    let logger: Logger
    private let ids = MessageIDGenerator()
    let sendRate = RateWindow()
    let startedAt = NIODeadline.now()
    private let openConnections = NIOLockedValueBox(0)
    private let sessionIDs = NIOLockedValueBox<UInt64>(0)

    /// Creates a broker over `store`; `loop` runs the engine's timers.
    /// - Parameters:
    ///   - authenticator: checks `hello` tokens (`auth.mode = token`); nil accepts any hello.
    ///   - metrics: where counts go; the default uses the bootstrapped `MetricsSystem`.
    ///   - audit: receives the audit events (`audit_dir`); the default records nothing.
    public init(
        configuration: BrokerConfiguration,
        store: any MessageStore,
        loop: any EventLoop,
        logger: Logger,
        authenticator: HelloAuthenticator? = nil,
        metrics: BrokerMetrics = BrokerMetrics(),
        audit: any AuditSink = NoAuditSink()
    ) {
        self.audit = audit
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.authenticator = authenticator
        self.metrics = metrics
        self.membership = DaemonMembership(
            store: store,
            leaseMilliseconds: configuration.daemonLeaseMilliseconds,
            loop: loop,
            logger: logger
        )
        self.engine = DeliveryEngine(
            store: store,
            configuration: configuration.delivery,
            loop: loop,
            logger: logger,
            metrics: metrics,
            audit: audit
        )
        // Both stores keep the coordination state too; a store that did not would be a bug.
        guard let coordinationStore = store as? any CoordinationStore else {
            preconditionFailure("the \(store.backendName) store does not keep coordination state")
        }
        self.registry = AgentRegistry(store: coordinationStore, presence: self.presence, loop: loop, logger: logger, audit: audit)
        self.coordinator = Coordinator(
            store: coordinationStore,
            configuration: .init(
                taskTimeoutMilliseconds: configuration.taskTimeoutMilliseconds,
                taskMaxRetries: configuration.taskMaxRetries,
                taskRetentionMilliseconds: configuration.taskRetentionMilliseconds
            ),
            loop: loop,
            logger: logger,
            audit: audit
        )
        self.timers = CoordinationTimers(
            registry: self.registry,
            coordinator: self.coordinator,
            heartbeatTimeoutMilliseconds: configuration.heartbeatTimeoutMilliseconds,
            logger: logger
        )
        self.registry.connect(delegate: self.coordinator)
        self.membership.connect(figures: { [weak self] in self?.figures ?? .zero })
        let timers = self.timers
        self.coordinator.connect(
            send: { [weak self] message in
                guard let self else { return loop.makeSucceededVoidFuture() }
                return self.sendCoordination(message)
            },
            deadlineAdded: { timers.deadlineAdded($0) }
        )
    }

    /// This daemon's share of the system's traffic, as `stats` sums it.
    var figures: DaemonFigures {
        DaemonFigures(
            inFlight: self.engine.inFlightCount,
            sendsPerMinute: self.sendRate.total(nowMilliseconds: WallClock.nowMilliseconds())
        )
    }

    /// Hands back what this daemon's previous run left in flight and starts listening to the
    /// other daemons.
    public func start() -> EventLoopFuture<Void> {
        self.engine.start()
    }

    /// Sends a message the coordinator committed, under its fixed `message_id` (dedup makes a
    /// second send of it, from the outbox, harmless).
    private func sendCoordination(_ message: OutboxMessage) -> EventLoopFuture<Void> {
        var content = JSONObject()
        if case .object(let object)? = try? JSONParser.parse(message.content) { content = object }
        var request = SendRequest(
            toAgent: message.recipient,
            messageType: message.type,
            content: content,
            priority: message.priority,
            correlationID: message.correlationID
        )
        request.messageID = message.messageID
        request.traceparent = message.traceparent
        return self.send(request, from: message.sender, on: self.engine.loop).map { _ in () }.flatMapErrorThrowing { error in
            self.audit.record(.storeError("coordination_send", agent: message.recipient, error))
            self.logger.warning(
                "could not send a coordination message",
                metadata: ["agentd.agent_id": "\(message.recipient)", "agentd.error": "\(error)"]
            )
            throw error
        }
    }

    // MARK: Connections

    /// Counts a new connection; false when `max_connections` is reached.
    func admitConnection() -> Bool {
        let admitted = self.openConnections.withLockedValue { open in
            guard open < self.configuration.maxConnections else { return false }
            open += 1
            return true
        }
        admitted ? self.metrics.connectionAccepted() : self.metrics.connectionRejected()
        return admitted
    }

    /// A connection closed.
    func connectionClosed() {
        self.openConnections.withLockedValue { $0 -= 1 }
    }

    /// Open connections now.
    public var connectionCount: Int {
        self.openConnections.withLockedValue { $0 }
    }

    func nextSessionID() -> UInt64 {
        self.sessionIDs.withLockedValue { id in
            id &+= 1
            return id
        }
    }

    // MARK: Messaging

    /// What a send answers: the message id, and whether it was a duplicate of one stored before.
    typealias Sent = (messageID: String, duplicate: Bool)

    /// Stores a message from `sender`; the future succeeds once it is durably stored.
    func send(_ request: SendRequest, from sender: String, on loop: any EventLoop) -> EventLoopFuture<Sent> {
        let promise = loop.makePromise(of: Sent.self)
        self.send(request, from: sender, on: loop) { promise.completeWith($0) }
        return promise.futureResult
    }

    /// Stores a message from `sender`; `completion` is called once it is durably stored (or
    /// refused), on any thread.
    ///
    /// A report that names its task's lease is fenced: it changes the task first, and a stale
    /// one is refused (`forbidden`) with nothing stored, so a zombie worker learns it lost the
    /// task and its supervisor never sees the report.
    func send(_ request: SendRequest, from sender: String, on loop: any EventLoop, completion: @escaping @Sendable (Result<Sent, any Error>) -> Void) {
        guard request.messageType == .taskResponse || request.messageType == .errorReport, let lease = request.content["lease"] else {
            return self.store(request, from: sender, observed: false, on: loop, completion: completion)
        }
        guard let number = lease.intValue, number >= 1 else {
            return completion(.failure(AgentdError.badRequest("message.content.lease: must be a whole number ≥ 1")))
        }
        guard Coordinator.report(request.messageType, request.content) != nil else {
            return self.store(request, from: sender, observed: false, on: loop, completion: completion)
        }
        // A retry of a report already stored (same message_id) is answered as the
        // duplicate it is, without applying it twice (its usage would count twice).
        let stored = request.messageID.map { self.store.isStored(messageID: $0, sender: sender, on: loop) }
            ?? loop.makeSucceededFuture(false)
        stored.flatMap { already -> EventLoopFuture<Void> in
            guard !already, let fenced = self.coordinator.observe(request.messageType, content: request.content, from: sender) else {
                return loop.makeSucceededVoidFuture()
            }
            return fenced.hop(to: loop)
        }.whenComplete { result in
            switch result {
            case .success: self.store(request, from: sender, observed: true, on: loop, completion: completion)
            case .failure(let error): completion(.failure(error))
            }
        }
    }

    /// Stores a message (see `send`); `observed`: the coordinator has seen it already.
    private func store(
        _ request: SendRequest,
        from sender: String,
        observed: Bool,
        on loop: any EventLoop,
        completion: @escaping @Sendable (Result<Sent, any Error>) -> Void
    ) {
        let now = WallClock.nowMilliseconds()
        let received = NIODeadline.now()
        let messageID = request.messageID ?? self.ids.next()
        let body = request.storedJSON(
            messageID: messageID,
            fromAgent: sender,
            timestamp: Timestamp(millisecondsSinceEpoch: now)
        )
        let delay = request.delayMilliseconds.flatMap { $0 > 0 ? Int64($0) : nil }
        let message = NewMessage(
            messageID: messageID,
            clientChosenID: request.messageID != nil,
            sender: sender,
            recipient: request.toAgent,
            priority: request.priority,
            body: body,
            ttlMilliseconds: request.ttlMilliseconds.map { Int64($0) },
            delayMilliseconds: delay,
            correlationID: request.correlationID
        )
        // Someone waits for this inbox: read it in the same round trip as the send.
        let alongside = delay == nil ? self.engine.takeAlongsideSend(to: request.toAgent, priority: request.priority) : nil
        self.store.send(message, dedupWindowMilliseconds: self.configuration.dedupWindowMilliseconds, thenTake: alongside?.request, on: loop) { result in
            // The send is noted before its take is handed over: the take's generation is
            // the inbox's after this send.
            let outcome = try? result.get().outcome
            let update = outcome == .stored ? self.noteStored(request, from: sender, at: now, observed: observed) : nil
            if let alongside { self.engine.takeFinished(alongside, result) }
            guard let outcome else {
                if case .failure(let error) = result { completion(.failure(error)) }
                return
            }
            guard let update else {
                return self.answer(outcome, messageID: messageID, sender: sender, request, received: received, completion: completion)
            }
            // A report is answered once its task shows it.
            update.hop(to: loop).whenComplete { _ in
                self.answer(outcome, messageID: messageID, sender: sender, request, received: received, completion: completion)
            }
        }
    }

    /// The answer to a send the store has decided on.
    private func answer(
        _ outcome: SendOutcome,
        messageID: String,
        sender: String,
        _ request: SendRequest,
        received: NIODeadline,
        completion: @Sendable (Result<Sent, any Error>) -> Void
    ) {
        self.metrics.sendLatency.recordNanoseconds((NIODeadline.now() - received).nanoseconds)
        switch outcome {
        case .stored:
            // Built only when written: the event is a JSON object of five fields.
            if self.audit.isEnabled { self.audit.record(.messageSent(messageID, from: sender, request)) }
            completion(.success((messageID, false)))
        case .duplicate:
            completion(.success((messageID, true)))
        case .conflict:
            completion(.failure(AgentdError.badRequest("message.message_id: already used by another sender")))
        }
    }

    /// `request`: sends `request` as `send` does, with `reply_to` set to the requester and a
    /// `correlation_id` made up when it has none, then waits up to `timeout` for the first
    /// message to the requester carrying that id. The waiter is in place before the send, so
    /// no consumer of the requester can take the reply first. Answers the sent `message_id`
    /// and the reply as delivered, or nil when none came in time.
    func request(
        _ request: SendRequest,
        timeout: TimeAmount,
        from session: SessionLink,
        on loop: any EventLoop
    ) -> EventLoopFuture<(String, [UInt8]?)> {
        var message = request
        let correlationID = message.correlationID ?? "c" + self.ids.next()
        message.correlationID = correlationID
        message.replyTo = session.agentID
        let (waiterID, reply) = self.engine.awaitReply(session, correlationID: correlationID, timeout: timeout)
        return self.send(message, from: session.agentID, on: loop)
            .flatMapErrorThrowing { error in
                self.engine.cancelReply(session, waiterID: waiterID)
                throw error
            }
            .flatMap { sent in reply.hop(to: loop).map { (sent.0, $0) } }
    }

    /// A message is stored: count it, wake its inbox, and let the coordinator see task reports
    /// (they update the task as they pass, and are still delivered). The future completes once
    /// a report's task update is done (or failed: the message is stored all the same).
    private func noteStored(_ request: SendRequest, from sender: String, at now: Int64, observed: Bool) -> EventLoopFuture<Void>? {
        self.sendRate.record(nowMilliseconds: now)
        self.metrics.messageSent(priority: request.priority, type: request.messageType)
        self.engine.messageStored(for: request.toAgent)
        guard !observed else { return nil }
        return self.coordinator.observe(request.messageType, content: request.content, from: sender)?.recover { _ in }
    }

    /// Moves dead letters back into `inbox`.
    func requeueDead(inbox: String, messageIDs: [String], on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.store.requeueDead(inbox: inbox, messageIDs: messageIDs, on: loop).map { count in
            if count > 0 {
                self.engine.inboxChanged(inbox)
            }
            return count
        }
    }

    // MARK: Observability

    /// `stats`: the `queues`, `registry`, `coordination` and `server` parts, as reply fields.
    func stats(on loop: any EventLoop) -> EventLoopFuture<@Sendable (inout JSONWriter) -> Void> {
        let parts = self.store.counters(on: loop)
            .and(self.registry.stats().hop(to: loop))
            .and(self.coordinator.stats().hop(to: loop))
            .and(self.store.liveDaemonFigures(on: loop))
        return parts.map { parts in
            let (((counters, registry), coordination), reported) = parts
            // The other daemons' figures as of their last renewal, this one's as of now.
            let own = self.figures
            let system = reported.reduce(own) { sum, entry in entry.key == self.store.daemonID ? sum : sum + entry.value }
            let daemons = Set(reported.keys).union([self.store.daemonID]).sorted()
            let perMinute = system.sendsPerMinute
            let inFlight = system.inFlight
            let uptime = (NIODeadline.now() - self.startedAt).nanoseconds / 1_000_000_000
            let connections = self.connectionCount
            let backend = self.store.backendName
            let authFailures = self.authenticator?.failureCount ?? 0
            // Not on the hot path: built as JSON values, one table per part.
            let parts: [(String, JSONObject)] = [
                ("queues", [
                    "sent_total": .number(JSONNumber(counters.sent)),
                    "delivered_total": .number(JSONNumber(counters.delivered)),
                    "acked_total": .number(JSONNumber(counters.acked)),
                    "messages_per_minute": .number(JSONNumber(perMinute)),
                    "pending": .number(JSONNumber(max(0, counters.pending))),
                    "in_flight": .number(JSONNumber(inFlight)),
                    "dead_letters": .number(JSONNumber(max(0, counters.dead))),
                    "expired_total": .number(JSONNumber(counters.expired)),
                ]),
                ("registry", [
                    "total_agents": .number(JSONNumber(registry.totalAgents)),
                    "active_agents": .number(JSONNumber(registry.activeAgents)),
                    "offline_agents": .number(JSONNumber(registry.offlineAgents)),
                    "average_load": .number(JSONNumber(registry.averageLoad) ?? JSONNumber(0)),
                ]),
                ("coordination", [
                    "tasks_total": .number(JSONNumber(coordination.total)),
                    "pending": .number(JSONNumber(coordination.pending)),
                    "in_progress": .number(JSONNumber(coordination.inProgress)),
                    "input_required": .number(JSONNumber(coordination.inputRequired)),
                    "completed": .number(JSONNumber(coordination.completed)),
                    "failed": .number(JSONNumber(coordination.failed)),
                    "timed_out": .number(JSONNumber(coordination.timedOut)),
                    "cancelled": .number(JSONNumber(coordination.cancelled)),
                    "completion_rate": .number(JSONNumber(coordination.completionRate) ?? JSONNumber(0)),
                ]),
                ("server", [
                    "version": .string(Broker.version),
                    "uptime_s": .number(JSONNumber(uptime)),
                    "connections": .number(JSONNumber(connections)),
                    "backend": .string(backend),
                    "auth_failures_total": .number(JSONNumber(authFailures)),
                    "daemon_id": .string(self.store.daemonID),
                    "daemons": .number(JSONNumber(daemons.count)),
                    "live_daemons": .array(daemons.map { .string($0) }),
                ]),
            ] + self.auditStatsPart
            return { @Sendable w in
                for (name, part) in parts {
                    w.writeRaw(",")
                    w.writeKey(name)
                    w.writeValue(.object(part))
                }
            }
        }
    }

    /// Copies a message into the inbox of every registered agent that matches and is not
    /// offline, the sender excepted; returns how many copies were stored.
    func broadcast(_ request: BroadcastRequest, from sender: String, on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.registry.recipients(role: request.role, capabilities: request.capabilities, excluding: sender)
            .hop(to: loop)
            .flatMap { recipients in
                let sends = recipients.map { recipient in
                    self.send(
                        SendRequest(toAgent: recipient, messageType: request.messageType, content: request.content, priority: request.priority),
                        from: sender,
                        on: loop
                    )
                }
                return EventLoopFuture.whenAllSucceed(sends, on: loop).map { $0.count }
            }
    }

    /// Whether the store answers within `store_timeout_ms`.
    func storeIsUp(on loop: any EventLoop) -> EventLoopFuture<Bool> {
        let promise = loop.makePromise(of: Bool.self)
        // Whichever comes first, the answer or the timeout, completes the promise; once only.
        let done = NIOLockedValueBox(false)
        let finish: @Sendable (Bool) -> Void = { up in
            let first = done.withLockedValue { wasDone in
                defer { wasDone = true }
                return !wasDone
            }
            if first { promise.succeed(up) }
        }
        let timeout = loop.scheduleTask(in: self.configuration.storeTimeout) { finish(false) }
        self.store.ping(on: loop).whenComplete { result in
            timeout.cancel()
            switch result {
            case .success: finish(true)
            case .failure: finish(false)
            }
        }
        return promise.futureResult
    }
}
