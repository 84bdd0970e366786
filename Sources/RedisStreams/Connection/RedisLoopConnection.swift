import NIOCore
import NIOPosix
import Synchronization

/// The Redis connection of one event loop.
///
/// Sessions submit from their own loop, so a request is written to Redis without a thread
/// hop and its reply is handled on the same loop: no lock, no wake-up, no hop back. Writes
/// made in one loop tick leave in one flush (auto-pipelining: the requests of all the loop's
/// sessions share a round trip); replies arrive in order and are matched by
/// ``RedisPipelineHandler``.
///
/// The connection is opened on first use and again after it breaks, but only once a backoff
/// delay (50 ms doubling to 1 s, reset on success) has passed; until then requests fail at
/// once with `.unreachable`, without touching the network.
final class RedisLoopConnection: @unchecked Sendable {
    // @unchecked: every mutable property below is touched only on `loop` (see `onLoop`);
    // `connected` is atomic for readers on other threads.

    private enum State {
        case idle
        case connecting
        case ready(any Channel)
        case shutdown
    }

    let loop: any EventLoop
    private let configuration: RedisConfiguration
    private let endpoint: RedisEndpoint
    /// Where the open (or last) connection goes, for messages.
    private var peer: String
    /// Where the open connection goes.
    private var address: RedisAddress?
    private var switchObserver: Int?
    private var state = State.idle
    /// Requests submitted while connecting, written in order once connected.
    private var waiting: [RedisRequest] = []
    private var backoff = ReconnectBackoff()
    /// Message of the last failure, repeated in fast failures during backoff.
    private var lastFailure: String?
    private var flushScheduled = false
    private let connected = Atomic<Bool>(false)
    private let metrics: RedisMetrics

    init(loop: any EventLoop, configuration: RedisConfiguration, endpoint: RedisEndpoint, metrics: RedisMetrics = RedisMetrics()) {
        self.loop = loop
        self.configuration = configuration
        self.endpoint = endpoint
        self.metrics = metrics
        if let sentinel = configuration.sentinel {
            self.peer = "master \(sentinel.masterName)"
        } else {
            self.peer = "\(configuration.host):\(configuration.port)"
        }
    }

    /// True while a connection is open and its handshake succeeded.
    var isConnected: Bool {
        self.connected.load(ordering: .relaxed)
    }

    /// Writes `request` (from any thread; from `loop` without a hop). Its completion runs on `loop`.
    func submit(_ request: RedisRequest) {
        if self.loop.inEventLoop {
            self.submitOnLoop(request)
        } else {
            self.loop.execute { self.submitOnLoop(request) }
        }
    }

    /// Closes the connection; waiting and later requests fail with `.closed`.
    func shutdown() {
        self.connected.store(false, ordering: .relaxed)
        self.onLoop {
            let channel: (any Channel)?
            if case .ready(let open) = self.state { channel = open } else { channel = nil }
            self.state = .shutdown
            if let token = self.switchObserver { self.endpoint.unobserve(token) }
            self.failWaiting(.closed())
            channel?.close(promise: nil)
        }
    }

    private func onLoop(_ work: @escaping @Sendable () -> Void) {
        if self.loop.inEventLoop { work() } else { self.loop.execute(work) }
    }

    private func submitOnLoop(_ request: RedisRequest) {
        switch self.state {
        case .ready(let channel) where channel.isActive:
            self.write(request, to: channel)
        case .ready:
            // Closed under us; `channelClosed` has not run yet.
            self.connectionLost()
            self.submitOnLoop(request)
        case .connecting:
            self.waiting.append(request)
        case .idle:
            if let wait = self.backoff.remainingWait(at: .now) {
                // Fail fast during an outage instead of making every caller wait for a connect timeout.
                let (seconds, attoseconds) = wait.components
                let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
                request.completion(.failure(.unreachable(
                    "\(self.peer) unavailable (\(self.lastFailure ?? "earlier failure")); reconnecting in \(milliseconds) ms")))
                return
            }
            self.waiting.append(request)
            self.connect()
        case .shutdown:
            request.completion(.failure(.closed()))
        }
    }

    private func write(_ request: RedisRequest, to channel: any Channel) {
        channel.write(self.endpoint.followsFailovers ? self.watchingForReplica(request, channel) : request, promise: nil)
        guard !self.flushScheduled else { return }
        // One flush after everything this loop tick writes: one syscall per round trip.
        self.flushScheduled = true
        self.loop.execute {
            self.flushScheduled = false
            channel.flush()
        }
    }

    /// With Sentinel, a master that turned replica under this connection (the old master of a
    /// failover, brought back) answers writes with `-READONLY`. The request fails as
    /// `.unreachable`, like a lost connection: the command did not run there, and the caller
    /// must not take the error reply for an answer. The connection closes, and the next one
    /// asks the sentinels where the master is now.
    private func watchingForReplica(_ request: RedisRequest, _ channel: any Channel) -> RedisRequest {
        let completion = request.completion
        let peer = self.peer
        return RedisRequest(commands: request.commands) { result in
            if case .success(let replies) = result,
                replies.contains(where: { $0.errorMessage.map(Self.isReadOnly) ?? false })
            {
                channel.close(promise: nil)
                completion(.failure(.unreachable("\(peer) is a replica now (failover); looking for the new master")))
                return
            }
            completion(result)
        }
    }

    /// A write refused by a replica; inside a script the error is wrapped in the script's.
    static func isReadOnly(_ message: String) -> Bool {
        message.hasPrefix("READONLY") || message.contains("-READONLY") || message.contains("READONLY You can't write")
    }

    private func connect() {
        self.state = .connecting
        let timeout = TimeAmount.nanoseconds(Int64(self.configuration.timeout / .nanoseconds(1)))
        let roundTrip = self.metrics.roundTrip
        let endpoint = self.endpoint
        let loop = self.loop
        endpoint.resolve(on: loop)
            .flatMapError { error in
                loop.makeFailedFuture(error as? RedisStreamsError ?? .unreachable("\(error)"))
            }
            .flatMap { address in
                let peer = address.description
                return ClientBootstrap(group: loop)
                    .connectTimeout(timeout)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandlers(
                                RedisReplyDecoder(),
                                RedisPipelineHandler(timeout: timeout, peer: peer, roundTrip: roundTrip))
                        }
                    }
                    .connect(host: address.host, port: address.port)
                    .flatMapError { error in loop.makeFailedFuture(RedisPipelineHandler.connectionError(error, peer: peer)) }
                    .flatMap { channel in
                        self.handshake(channel).map { (channel, address) }
                            .flatMapErrorThrowing { error in
                                channel.close(promise: nil)
                                throw error
                            }
                    }
                    .flatMapErrorThrowing { error in
                        endpoint.lost(address)
                        throw error
                    }
            }
            .whenComplete { result in
                switch result {
                case .success(let (channel, address)):
                    self.connectionOpened(channel, at: address)
                case .failure(let error):
                    self.connectFailed(error as? RedisStreamsError ?? .unreachable("\(error)"))
                }
            }
    }

    /// AUTH and SELECT as configured, the master check, and the scripts to load, pipelined;
    /// any error reply fails the connection.
    private func handshake(_ channel: any Channel) -> EventLoopFuture<Void> {
        var commands: [RedisCommand] = []
        if let password = self.configuration.password {
            if let username = self.configuration.username {
                commands.append(RedisCommand("AUTH", username, password))
            } else {
                commands.append(RedisCommand("AUTH", password))
            }
        }
        if self.configuration.database != 0 {
            commands.append(RedisCommand("SELECT", String(self.configuration.database)))
        }
        // The sentinels' answer may be a moment old: make sure this is the master.
        let roleIndex = self.endpoint.followsFailovers ? commands.count : nil
        if roleIndex != nil {
            commands.append(RedisCommand("ROLE"))
        }
        for script in self.configuration.scripts {
            commands.append(RedisCommand("SCRIPT", "LOAD", script))
        }
        guard !commands.isEmpty else { return self.loop.makeSucceededVoidFuture() }
        let promise = self.loop.makePromise(of: Void.self)
        let names = commands.map { $0.arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "?" }
        channel.writeAndFlush(RedisRequest(commands: commands) { result in
            switch result {
            case .success(let replies):
                if let (name, message) = zip(names, replies).lazy.compactMap({ name, reply in
                    reply.errorMessage.map { (name, $0) }
                }).first {
                    // The password is never part of the message: only the command's name.
                    promise.fail(RedisStreamsError.serverError("\(name) failed: \(message)"))
                } else if let roleIndex, roleIndex < replies.count, let role = replies[roleIndex].array?.first?.string, role != "master" {
                    promise.fail(RedisStreamsError.unreachable("the sentinels' master is a \(role) now (failover in progress)"))
                } else {
                    promise.succeed()
                }
            case .failure(let error):
                promise.fail(error)
            }
        }, promise: nil)
        return promise.futureResult
    }

    private func connectionOpened(_ channel: any Channel, at address: RedisAddress) {
        guard case .connecting = self.state else {
            // Shut down while connecting.
            channel.close(promise: nil)
            return
        }
        self.state = .ready(channel)
        self.address = address
        self.peer = address.description
        if self.endpoint.followsFailovers && self.switchObserver == nil {
            // The sentinels named a new master: stop writing to the old one at once (it may
            // still accept writes that its demotion would then throw away).
            self.switchObserver = self.endpoint.observe { [weak self] master in
                guard let connection = self else { return }
                connection.onLoop {
                    guard case .ready(let open) = connection.state, connection.address != master else { return }
                    open.close(promise: nil)
                }
            }
        }
        self.backoff.recordSuccess()
        self.connected.store(true, ordering: .relaxed)
        let endpoint = self.endpoint
        channel.closeFuture.whenComplete { _ in
            endpoint.lost(address)
            self.channelClosed(channel)
        }
        let pending = self.waiting
        self.waiting = []
        for request in pending {
            self.write(request, to: channel)
        }
    }

    private func connectFailed(_ error: RedisStreamsError) {
        guard case .connecting = self.state else { return }
        self.state = .idle
        self.backoff.recordFailure(at: .now)
        self.lastFailure = error.message
        self.failWaiting(error)
    }

    private func channelClosed(_ channel: any Channel) {
        guard case .ready(let current) = self.state, current === channel else { return }
        self.connectionLost()
    }

    /// The open connection broke. The next request connects again at once: if Redis is really
    /// gone that connect fails fast (refused) and the backoff starts from there.
    private func connectionLost() {
        self.state = .idle
        self.connected.store(false, ordering: .relaxed)
    }

    private func failWaiting(_ error: RedisStreamsError) {
        let failed = self.waiting
        self.waiting = []
        for request in failed {
            request.completion(.failure(error))
        }
    }
}
