import AgentCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Carries out a ``ConnectionStateMachine``'s actions with NIO: opens channels, writes the
/// requests, sleeps between rounds, says hello again, and reports back what happened.
///
/// All mutable state is in `core`, behind one lock. The lock is never held while calling
/// into NIO or resuming a caller: NIO may call back at once (a close fires
/// `channelInactive` synchronously) and the lock is not reentrant. Each channel lives on one
/// event loop chosen before connecting, and its connect, handshake and close callbacks all
/// run there, so the machine hears of them in the order they happened.
final class ClientConnection: Sendable {
    typealias Generation = ConnectionStateMachine.Generation

    struct Settings: Sendable {
        var servers: [ServerAddress]
        var failover: FailoverConfiguration
        var tls: ClientTLS?
        var tlsContext: NIOSSLContext?
        var group: any EventLoopGroup
        var connectTimeout: TimeAmount
        /// `connect(host:port:)` throws its one attempt's own error, as it always did.
        var throwsAttemptError: Bool
    }

    /// A request waiting for a usable connection.
    private struct Waiting: Sendable {
        let op: String
        let fields: JSONObject
        let kind: RequestKind
        let continuation: ReplyTable.Continuation
    }

    private struct Core: Sendable {
        var machine: ConnectionStateMachine
        var connections: [Generation: LiveConnection] = [:]
        var waiting: [Waiting] = []
        /// The first connect's caller, until the first `ready` or `finish`.
        var starting: CheckedContinuation<Void, any Error>?
        var lastAttemptError: (any Error)?
    }

    /// The side effects of one batch of actions, resolved under the lock, run after it.
    private enum Effect {
        case connect(ServerAddress, Generation)
        case sleep(NIODeadline, Generation)
        case restore(ClientSession, LiveConnection, Generation)
        case write([Waiting], LiveConnection)
        case fail(ReplyTable, AgentdClientError)
        case close(any Channel)
        case finish([Waiting], AgentdClientError)
        case resume(CheckedContinuation<Void, any Error>, (any Error)?)
    }

    let settings: Settings
    let events: AsyncStream<JSONObject>
    private let eventSink: AsyncStream<JSONObject>.Continuation
    private let core: NIOLockedValueBox<Core>

    init(settings: Settings) {
        self.settings = settings
        (self.events, self.eventSink) = AsyncStream.makeStream(of: JSONObject.self, bufferingPolicy: .unbounded)
        self.core = NIOLockedValueBox(Core(machine: ConnectionStateMachine(servers: settings.servers, configuration: settings.failover)))
    }

    /// Connects (trying the servers as the failover configuration says); returns once a
    /// connection is usable.
    func start() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            self.handle { core, now in
                core.starting = continuation
                return core.machine.start(now: now)
            }
        }
    }

    /// The server of the connection in use; nil while failing over or once closed.
    var server: ServerAddress? {
        self.core.withLockedValue { $0.machine.server }
    }

    /// Sends a request on the connection in use, or on the next one when there is none now.
    func request(_ op: String, _ fields: JSONObject) async throws -> JSONObject {
        let kind = RequestKind(op: op, fields: fields)
        return try await withCheckedThrowingContinuation { continuation in
            let request = Waiting(op: op, fields: fields, kind: kind, continuation: continuation)
            let target = self.core.withLockedValue { core -> Result<LiveConnection?, AgentdClientError> in
                switch core.machine.route(kind) {
                case .write(let generation):
                    if let live = core.connections[generation] { return .success(live) }
                    core.waiting.append(request)
                case .wait:
                    core.waiting.append(request)
                case .fail(let error):
                    return .failure(error)
                }
                return .success(nil)
            }
            switch target {
            case .failure(let error):
                continuation.resume(throwing: error)
            case .success(let live?):
                live.send(op, fields, kind: kind, continuation: continuation)
            case .success(nil):
                break
            }
        }
    }

    /// Closes the connection for good and waits for the channel to close.
    func close() async {
        let channel = self.core.withLockedValue { core in
            core.connections[core.machine.generation]?.channel
        }
        self.handle { core, _ in core.machine.close() }
        try? await channel?.closeFuture.get()
    }

    // MARK: Driving the machine

    /// Feeds the machine one event under the lock, then carries out what it decided.
    /// `forgetting`: a closed connection to drop once the actions have been resolved.
    private func handle(
        forgetting closed: Generation? = nil,
        _ body: (inout Core, NIODeadline) -> [ConnectionStateMachine.Action]
    ) {
        let now = NIODeadline.now()
        let effects = self.core.withLockedValue { core in
            let effects = body(&core, now).flatMap { self.resolve($0, &core) }
            if let closed {
                core.connections[closed] = nil
            }
            return effects
        }
        for effect in effects {
            self.run(effect)
        }
    }

    private func resolve(_ action: ConnectionStateMachine.Action, _ core: inout Core) -> [Effect] {
        switch action {
        case .connect(let server, let generation):
            return [.connect(core.machine.servers[server], generation)]
        case .sleep(let until, let generation):
            return [.sleep(until, generation)]
        case .restore(let session, let generation):
            guard let live = core.connections[generation] else { return [] }
            return [.restore(session, live, generation)]
        case .ready(_, let generation):
            var effects: [Effect] = []
            if let starting = core.starting {
                core.starting = nil
                effects.append(.resume(starting, nil))
            }
            if let live = core.connections[generation], !core.waiting.isEmpty {
                effects.append(.write(core.waiting, live))
                core.waiting.removeAll()
            }
            return effects
        case .failInFlight(let generation, let error):
            guard let live = core.connections.removeValue(forKey: generation) else { return [] }
            return [.fail(live.replies, error)]
        case .close(let generation):
            guard let live = core.connections[generation] else { return [] }
            return [.close(live.channel)]
        case .finish(let error):
            var effects: [Effect] = [.finish(core.waiting, error)]
            core.waiting.removeAll()
            if let starting = core.starting {
                core.starting = nil
                let attemptError = self.settings.throwsAttemptError ? core.lastAttemptError : nil
                effects.append(.resume(starting, attemptError ?? error))
            }
            return effects
        }
    }

    private func run(_ effect: Effect) {
        switch effect {
        case .connect(let server, let generation):
            self.open(server, generation)
        case .sleep(let until, let generation):
            self.settings.group.any().scheduleTask(deadline: until) {
                self.handle { core, now in core.machine.backoffElapsed(generation, now: now) }
            }
        case .restore(let session, let live, let generation):
            Task {
                do {
                    if let hello = session.hello {
                        _ = try await live.request("hello", hello, kind: .hello(hello))
                    }
                    if let subscription = session.subscription {
                        _ = try await live.request("subscribe", subscription, kind: .subscribe(subscription))
                    }
                    self.handle { core, now in core.machine.restored(generation, now: now) }
                } catch {
                    let failure = error as? AgentdClientError ?? .connectionClosed
                    self.handle { core, now in core.machine.restoreFailed(generation, error: failure, now: now) }
                }
            }
        case .write(let requests, let live):
            for request in requests {
                live.send(request.op, request.fields, kind: request.kind, continuation: request.continuation)
            }
        case .fail(let replies, let error):
            replies.fail(error)
        case .close(let channel):
            channel.close(promise: nil)
        case .finish(let requests, let error):
            for request in requests {
                request.continuation.resume(throwing: error)
            }
            self.eventSink.finish()
        case .resume(let continuation, let error):
            if let error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume()
            }
        }
    }

    // MARK: Channels

    /// Opens a channel to `server` for attempt `generation` and reports how it went.
    private func open(_ server: ServerAddress, _ generation: Generation) {
        // One loop for the channel and the handshake promise: their callbacks are ordered.
        let loop = self.settings.group.next()
        let tlsContext = self.settings.tlsContext
        let serverHostname = self.settings.tls?.hostname(connectingTo: server.host)
        let handshake = tlsContext.map { _ in loop.makePromise(of: Void.self) }
        let replies = ReplyTable { kind, error in
            self.handle { core, _ in core.machine.replied(to: kind, error: error, generation: generation) }
        }
        let observer = ConnectionObserver(
            event: { frame in
                self.eventSink.yield(frame)
                if frame["event"] == .string("bye") {
                    self.handle { core, now in core.machine.goodbye(generation, now: now) }
                }
            },
            refused: { reason in
                self.handle { core, _ in core.machine.refused(generation, reason: reason) }
            },
            lost: {
                self.handle(forgetting: generation) { core, now in
                    core.machine.connectionLost(generation, now: now)
                }
            }
        )
        let connecting = ClientBootstrap(group: loop)
            .connectTimeout(self.settings.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                        if let handshake {
                            try pipeline.addHandler(HandshakeWatcher(promise: handshake))
                        }
                    }
                    try pipeline.addHandler(ByteToMessageHandler(ClientLineDecoder()))
                    try pipeline.addHandler(ClientFrameHandler(replies: replies, observer: observer))
                }
            }
            .connect(host: server.host, port: server.port)
        connecting.whenComplete { result in
            switch result {
            case .failure(let error):
                // Completed by the HandshakeWatcher otherwise; nobody may be left waiting.
                handshake?.fail(error)
                self.attemptFailed(generation, error)
            case .success(let channel):
                let live = LiveConnection(channel: channel, replies: replies, server: server)
                guard let handshake else {
                    self.attemptSucceeded(live, generation)
                    return
                }
                handshake.futureResult.whenComplete { result in
                    switch result {
                    case .success:
                        self.attemptSucceeded(live, generation)
                    case .failure(let error):
                        channel.close(promise: nil)
                        self.attemptFailed(
                            generation,
                            AgentdClientError.tlsHandshake("with \(server): \(error)"),
                            reason: "TLS handshake failed: \(error)"
                        )
                    }
                }
            }
        }
    }

    /// Runs on the channel's loop, so a close that comes later is reported after this.
    private func attemptSucceeded(_ live: LiveConnection, _ generation: Generation) {
        guard live.channel.isActive else {
            self.attemptFailed(generation, AgentdClientError.connectionClosed, reason: "connection closed")
            return
        }
        self.handle { core, now in
            core.connections[generation] = live
            return core.machine.connected(generation, now: now)
        }
    }

    /// `error` is what `connect(host:port:)` throws; `reason` (default: derived from it)
    /// names the failure among the others of a server list.
    private func attemptFailed(_ generation: Generation, _ error: any Error, reason: String? = nil) {
        self.handle { core, now in
            core.lastAttemptError = error
            return core.machine.connectFailed(generation, reason: reason ?? ConnectFailure.reason(for: error), now: now)
        }
    }
}
