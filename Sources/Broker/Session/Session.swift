import AgentCore
import AgentdAudit
import NIOCore

/// The protocol state of one connection and the mapping of each op onto the broker.
///
/// Not thread-safe: used only on its connection's event loop.
final class Session {
    let broker: Broker
    let eventLoop: any EventLoop
    private let id: UInt64
    /// The peer's IP address (or "unknown"): failed hellos are slowed down per address.
    let remoteAddress: String
    /// Writes pushed frames to the connection from any thread.
    private let push: @Sendable ([[UInt8]]) -> Void
    /// Set by a successful `hello`.
    private(set) var link: SessionLink?
    /// The roles this session's token allows (`auth.mode = token`); nil = any role. Fixed at
    /// `hello`: a reloaded tokens file changes only later sessions.
    private(set) var allowedRoles: Set<AgentRole>?
    /// The client certificate's identity on a TLS connection that presented one: `hello` may
    /// name only the agent it names. Set before the first frame is read.
    var certificateIdentity: PeerIdentity?
    private var subscribed = false
    /// Where replies that come later go; the connection's handler, which owns this session.
    weak var output: (any ReplyOutput)?
    /// The sequence number of the frame being handled (set by `handle`): a reply that comes
    /// later is handed to `output` under it.
    private var sequence = 0

    init(
        broker: Broker,
        eventLoop: any EventLoop,
        id: UInt64,
        remoteAddress: String = "unknown",
        push: @escaping @Sendable ([[UInt8]]) -> Void
    ) {
        self.broker = broker
        self.eventLoop = eventLoop
        self.id = id
        self.remoteAddress = remoteAddress
        self.push = push
    }

    /// The connection closed: release what it held.
    func closed() {
        if let link = self.link {
            self.broker.engine.detach(link)
            self.broker.presence.disconnected(link.agentID)
            self.link = nil
        }
    }

    /// Handles one frame, the `sequence`th of the connection (its reply's number, when the
    /// reply comes later).
    func handle(_ frame: InboundFrame, sequence: Int) -> SessionResult {
        self.sequence = sequence
        switch frame {
        case .tooLarge:
            var result = SessionResult.now(Reply.failure(id: nil, .frameTooLarge(limit: self.broker.configuration.maxFrameBytes)))
            result.closeAfter = true
            return result
        case .line(let bytes):
            switch RequestEnvelope.decode(bytes) {
            case .rejected(let id, let error):
                return .now(Reply.failure(id: id, error))
            case .request(let envelope):
                do {
                    return try self.handle(envelope)
                } catch {
                    return .now(Reply.failure(id: envelope.id, error))
                }
            }
        }
    }

    private func handle(_ request: RequestEnvelope) throws(AgentdError) -> SessionResult {
        let id = request.id
        guard let op = request.op else {
            // Unknown ops are still "ops other than hello/ping" for the auth rule.
            if self.link == nil { throw .unauthenticated("say hello first") }
            throw .unknownOp(request.opName)
        }
        guard let link = self.link else {
            switch op {
            case .hello: return try self.hello(request)
            case .ping: return .now(Reply.success(id: id) { $0.writeRaw(",\"pong\":true") })
            default: throw .unauthenticated("say hello first")
            }
        }
        // Every frame of the agent counts as a sign of life.
        let now = WallClock.nowMilliseconds()
        let role = self.allowed(self.broker.presence.touch(link.agentID, now: now))
        if role == .monitor && !op.allowedForMonitor {
            throw .forbidden("\(op.rawValue): a monitor may only read")
        }
        // The op table: every op once, each to its broker call.
        let agent = link.agentID
        switch op {
        case .hello:
            throw .badRequest("hello: this connection already said hello as \(link.agentID)")
        case .ping:
            return .now(Reply.success(id: id) { $0.writeRaw(",\"pong\":true") })
        case .bye:
            var result = SessionResult.now(Reply.success(id: id))
            result.closeAfter = true
            return result
        case .send:
            return try self.send(request, link: link)
        case .request:
            return try self.request(request, link: link)
        case .fetch:
            let fetch = try FetchRequest(
                request.body,
                maximumLimit: self.broker.configuration.maxFetchLimit,
                maximumWait: self.broker.configuration.maxWaitMilliseconds
            )
            let future = self.broker.engine.fetch(link, limit: fetch.limit, wait: .milliseconds(Int64(fetch.waitMilliseconds)))
            return self.later(id, future) { frames, w in
                w.writeRaw(",\"messages\":[")
                for (index, frame) in frames.enumerated() {
                    if index > 0 { w.writeRaw(",") }
                    w.writeRaw(frame)
                }
                w.writeRaw("]")
            }
        case .ack:
            let ack = try AckRequest(request.body)
            return self.later(id, self.broker.engine.ack(link, messageIDs: ack.messageIDs)) { count, w in
                w.writeRaw(",\"acked\":")
                w.writeInt(count)
            }
        case .nack:
            let nack = try NackRequest(request.body)
            if nack.deadLetter {
                return self.later(id, self.broker.engine.reject(link, messageIDs: nack.messageIDs)) { count, w in
                    w.writeRaw(",\"requeued\":0,\"dead_lettered\":")
                    w.writeInt(count)
                }
            }
            let future = self.broker.engine.nack(link, messageIDs: nack.messageIDs, delay: .milliseconds(Int64(nack.delayMilliseconds)))
            return self.later(id, future) { count, w in
                w.writeRaw(",\"requeued\":")
                w.writeInt(count)
            }
        case .subscribe:
            let subscribe = try SubscribeRequest(request.body, maximumPrefetch: self.broker.configuration.maxPrefetch)
            var result = SessionResult.now(Reply.success(id: id) { $0.writeRaw(",\"subscribed\":true") })
            result.afterWrite = { [broker = self.broker] in
                broker.engine.subscribe(link, prefetch: subscribe.prefetch)
            }
            self.subscribed = true
            return result
        case .unsubscribe:
            self.broker.engine.unsubscribe(link)
            self.subscribed = false
            return .now(Reply.success(id: id) { $0.writeRaw(",\"subscribed\":false") })
        case .deadLetters:
            let list = try DeadLettersRequest(request.body)
            let inbox = try self.inbox(list.agentID, link: link, allowed: [.supervisor, .coordinator, .monitor])
            let future = self.broker.store.deadLetters(inbox: inbox, limit: list.limit, on: self.eventLoop)
            return self.later(id, future) { letters, w in
                w.writeRaw(",\"messages\":[")
                for (index, letter) in letters.enumerated() {
                    if index > 0 { w.writeRaw(",") }
                    w.writeRaw(letter.json)
                }
                w.writeRaw("]")
            }
        case .requeueDead:
            let requeue = try RequeueDeadRequest(request.body)
            let inbox = try self.inbox(requeue.agentID, link: link, allowed: [.supervisor, .coordinator])
            let future = self.broker.requeueDead(inbox: inbox, messageIDs: requeue.messageIDs, on: self.eventLoop)
            return self.later(id, future) { count, w in
                w.writeRaw(",\"requeued\":")
                w.writeInt(count)
            }
        case .stats:
            return self.later(id, self.broker.stats(on: self.eventLoop)) { write, w in write(&w) }
        case .health:
            let backend = self.broker.store.backendName
            return self.later(id, self.broker.storeIsUp(on: self.eventLoop)) { up, w in
                w.writeRaw(up ? ",\"status\":\"ok\",\"store\":\"up\"" : ",\"status\":\"degraded\",\"store\":\"down\"")
                w.writeRaw(",\"backend\":")
                w.writeString(backend)
            }
        case .register: return try self.register(request, agent: agent, now: now)
        case .heartbeat: return try self.heartbeat(request, agent: agent, now: now)
        case .agents: return try self.agents(request)
        case .deregister: return self.deregister(request, agent: agent)
        case .assignTask: return try self.assignTask(request, agent: agent, role: role)
        case .cancelTask: return try self.cancelTask(request, agent: agent, role: role)
        case .resumeTask: return try self.resumeTask(request, agent: agent, role: role)
        case .task: return try self.task(request, agent: agent, role: role)
        case .tasks: return try self.tasks(request, agent: agent, role: role)
        case .broadcast: return try self.broadcast(request, agent: agent, role: role)
        }
    }

    private func hello(_ request: RequestEnvelope) throws(AgentdError) -> SessionResult {
        let hello = try HelloRequest(request.body)
        guard hello.agentID != AgentID.server else {
            throw .forbidden("agent_id: \"agentd\" is reserved for the server")
        }
        try self.checkCertificate(allows: hello.agentID)
        if let authenticator = self.broker.authenticator {
            guard let roles = authenticator.roles(agent: hello.agentID, token: hello.token) else {
                return self.refuseHello(request.id, agentID: hello.agentID, authenticator: authenticator)
            }
            self.allowedRoles = roles
        }
        let link = SessionLink(id: self.id, agentID: hello.agentID, eventLoop: self.eventLoop, push: self.push)
        self.link = link
        self.broker.engine.attach(link)
        self.broker.presence.connected(hello.agentID, now: WallClock.nowMilliseconds())
        // The role it registered as, maybe through another daemon: known before the reply, so
        // the next request's role check sees it. A store that does not answer leaves it unknown
        // (as before `register`) rather than failing the hello.
        let role = self.broker.registry.lookUpRole(hello.agentID).recover { _ in nil }
        return self.later(request.id, role) { _, w in
            w.writeRaw(",\"server\":\"agentd\",\"version\":")
            w.writeString(Broker.version)
            w.writeRaw(",\"protocol\":1,\"agent_id\":")
            w.writeString(hello.agentID)
        }
    }

    private func send(_ request: RequestEnvelope, link: SessionLink) throws(AgentdError) -> SessionResult {
        let send = try SendRequest(request.body)
        try Self.checkSender(send, link: link)
        let answer: @Sendable (Result<Broker.Sent, any Error>) -> Void = self.reply(request.id) { sent, w in
            w.writeRaw(",\"message_id\":")
            w.writeString(sent.messageID)
            if sent.duplicate {
                w.writeRaw(",\"duplicate\":true")
            }
        }
        self.broker.send(send, from: link.agentID, on: self.eventLoop, completion: answer)
        return .later
    }

    /// A message may name only the session's agent as its sender (`send` and `request`).
    private static func checkSender(_ message: SendRequest, link: SessionLink) throws(AgentdError) {
        if let from = message.fromAgent, from != link.agentID {
            throw .forbidden("message.from_agent: this session is \(link.agentID), not \(from.prefix(128))")
        }
    }

    /// `request`: a send, then the wait for its reply. The reply waits in the connection's
    /// order like any other, so later requests' replies wait behind it.
    private func request(_ request: RequestEnvelope, link: SessionLink) throws(AgentdError) -> SessionResult {
        let ask = try RequestReplyRequest(request.body)
        try Self.checkSender(ask.message, link: link)
        let timeout = TimeAmount.milliseconds(Int64(ask.timeoutMilliseconds))
        let future = self.broker.request(ask.message, timeout: timeout, from: link, on: self.eventLoop)
        return self.later(request.id, future) { answer, w in
            w.writeRaw(",\"message_id\":")
            w.writeString(answer.0)
            if let reply = answer.1 {
                w.writeRaw(",\"reply\":")
                w.writeRaw(reply)
            } else {
                w.writeRaw(",\"reply\":null,\"timed_out\":true")
            }
        }
    }

    /// The inbox a dead-letter op names: one's own, or any agent's for the roles allowed to.
    private func inbox(_ named: String?, link: SessionLink, allowed: Set<AgentRole>) throws(AgentdError) -> String {
        guard let named, named != link.agentID else { return link.agentID }
        guard let role = self.role(of: link), allowed.contains(role) else {
            throw .forbidden("agent_id: only your own dead letters (\(link.agentID)) for your role")
        }
        return named
    }

    /// A reply that waits for `future`; failures become error replies. The reply is rendered
    /// and handed over on this connection's event loop.
    func later<T: Sendable>(
        _ id: RequestID?,
        _ future: EventLoopFuture<T>,
        _ body: @escaping @Sendable (T, inout JSONWriter) -> Void
    ) -> SessionResult {
        future.whenComplete(self.reply(id, body))
        return .later
    }

    /// The function to call, from any thread, with the outcome of the request being handled:
    /// it renders the reply (failures become error replies) and hands it to `output` on this
    /// connection's event loop. One closure per request is all a reply that comes later costs.
    func reply<T: Sendable>(
        _ id: RequestID?,
        _ body: @escaping @Sendable (T, inout JSONWriter) -> Void
    ) -> @Sendable (Result<T, any Error>) -> Void {
        let session = NIOLoopBound(self, eventLoop: self.eventLoop)
        let sequence = self.sequence
        return { result in
            if session.eventLoop.inEventLoop {
                session.value.deliver(sequence, id, result, body)
            } else {
                session.eventLoop.execute { session.value.deliver(sequence, id, result, body) }
            }
        }
    }

    private func deliver<T>(_ sequence: Int, _ id: RequestID?, _ result: Result<T, any Error>, _ body: (T, inout JSONWriter) -> Void) {
        switch result {
        case .success(let value):
            self.output?.complete(sequence, Reply.success(id: id) { w in body(value, &w) })
        case .failure(let error):
            self.output?.complete(sequence, Reply.failure(id: id, self.failure(error)))
        }
    }

    /// A store or broker failure as the wire error it is answered with; internal and
    /// unavailable ones are logged and audited.
    private func failure(_ error: any Error) -> AgentdError {
        let failure = DeliveryEngine.storeError(error)
        if failure.code == .internal {
            self.broker.logger.error("request failed", metadata: ["agentd.error": "\(failure)"])
        }
        if failure.code == .internal || failure.code == .unavailable { self.broker.audit.record(.requestFailed(failure)) }
        return failure
    }
}
