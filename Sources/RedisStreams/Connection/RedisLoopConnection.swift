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
    private let peer: String
    private var state = State.idle
    /// Requests submitted while connecting, written in order once connected.
    private var waiting: [RedisRequest] = []
    private var backoff = ReconnectBackoff()
    /// Message of the last failure, repeated in fast failures during backoff.
    private var lastFailure: String?
    private var flushScheduled = false
    private let connected = Atomic<Bool>(false)
    private let metrics: RedisMetrics

    init(loop: any EventLoop, configuration: RedisConfiguration, metrics: RedisMetrics = RedisMetrics()) {
        self.loop = loop
        self.configuration = configuration
        self.metrics = metrics
        self.peer = "\(configuration.host):\(configuration.port)"
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
        channel.write(request, promise: nil)
        guard !self.flushScheduled else { return }
        // One flush after everything this loop tick writes: one syscall per round trip.
        self.flushScheduled = true
        self.loop.execute {
            self.flushScheduled = false
            channel.flush()
        }
    }

    private func connect() {
        self.state = .connecting
        let timeout = TimeAmount.nanoseconds(Int64(self.configuration.timeout / .nanoseconds(1)))
        let peer = self.peer
        let roundTrip = self.metrics.roundTrip
        ClientBootstrap(group: self.loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        RedisReplyDecoder(),
                        RedisPipelineHandler(timeout: timeout, peer: peer, roundTrip: roundTrip))
                }
            }
            .connect(host: self.configuration.host, port: self.configuration.port)
            .flatMap { channel in
                self.handshake(channel).map { channel }
                    .flatMapErrorThrowing { error in
                        channel.close(promise: nil)
                        throw error
                    }
            }
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.connectionOpened(channel)
                case .failure(let error):
                    self.connectFailed(RedisPipelineHandler.connectionError(error, peer: peer))
                }
            }
    }

    /// AUTH and SELECT as configured, pipelined; any error reply fails the connection.
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
                } else {
                    promise.succeed()
                }
            case .failure(let error):
                promise.fail(error)
            }
        }, promise: nil)
        return promise.futureResult
    }

    private func connectionOpened(_ channel: any Channel) {
        guard case .connecting = self.state else {
            // Shut down while connecting.
            channel.close(promise: nil)
            return
        }
        self.state = .ready(channel)
        self.backoff.recordSuccess()
        self.connected.store(true, ordering: .relaxed)
        channel.closeFuture.whenComplete { _ in
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
