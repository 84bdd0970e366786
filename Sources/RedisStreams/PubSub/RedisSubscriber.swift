import NIOCore
import NIOPosix

/// A Redis pub/sub connection that keeps a set of channels subscribed.
///
/// A subscribed connection can do nothing but (un)subscribe, so it is a connection of its own,
/// apart from ``RedisClient``'s. Callers say which channels they want; the subscriber connects
/// on first use, subscribes, and after a broken connection connects again (with the same
/// backoff as the command connections) and subscribes to everything wanted again.
///
/// `onSubscribed` runs for each channel every time Redis confirms its subscription, first and
/// after every reconnect: messages published before that moment were not seen, so the owner
/// re-reads whatever the channel announces. All callbacks run on `loop`.
public final class RedisSubscriber: @unchecked Sendable {
    // @unchecked: every mutable property is touched only on `loop` (see `onLoop`).

    /// A published message: channel, payload.
    public typealias MessageHandler = @Sendable (String, [UInt8]) -> Void
    /// A channel whose subscription Redis confirmed.
    public typealias SubscribedHandler = @Sendable (String) -> Void

    private let loop: any EventLoop
    private let configuration: RedisConfiguration
    private let endpoint: RedisEndpoint
    private let onMessage: MessageHandler
    private let onSubscribed: SubscribedHandler
    private var wanted = Set<String>()
    private var channel: (any Channel)?
    /// Where `channel` goes.
    private var address: RedisAddress?
    private var switchObserver: Int?
    private var connecting = false
    private var reconnect: Scheduled<Void>?
    private var backoff = ReconnectBackoff()
    private var isShutdown = false

    /// Creates a subscriber; it connects when the first channel is wanted, to `endpoint`
    /// (by default the one `configuration` describes).
    public init(
        configuration: RedisConfiguration,
        endpoint: RedisEndpoint? = nil,
        loop: any EventLoop,
        onMessage: @escaping MessageHandler,
        onSubscribed: @escaping SubscribedHandler
    ) {
        self.configuration = configuration
        self.endpoint = endpoint ?? RedisEndpoint(configuration: configuration)
        self.loop = loop
        self.onMessage = onMessage
        self.onSubscribed = onSubscribed
    }

    /// Wants `channels` subscribed (idempotent).
    public func subscribe(_ channels: [String]) {
        self.onLoop {
            let new = channels.filter { self.wanted.insert($0).inserted }
            guard !new.isEmpty else { return }
            if let channel = self.channel {
                Self.write(["SUBSCRIBE"] + new, to: channel)
            } else {
                self.connectIfNeeded()
            }
        }
    }

    /// No longer wants `channels` (idempotent).
    public func unsubscribe(_ channels: [String]) {
        self.onLoop {
            let gone = channels.filter { self.wanted.remove($0) != nil }
            guard !gone.isEmpty, let channel = self.channel else { return }
            Self.write(["UNSUBSCRIBE"] + gone, to: channel)
        }
    }

    /// Channels wanted now (for tests).
    public func wantedChannels() -> EventLoopFuture<Set<String>> {
        self.loop.submit { self.wanted }
    }

    /// Closes the connection for good.
    public func shutdown() {
        self.onLoop {
            self.isShutdown = true
            if let token = self.switchObserver { self.endpoint.unobserve(token) }
            self.reconnect?.cancel()
            self.channel?.close(promise: nil)
            self.channel = nil
        }
    }

    private func onLoop(_ work: @escaping @Sendable () -> Void) {
        if self.loop.inEventLoop { work() } else { self.loop.execute(work) }
    }

    private func connectIfNeeded() {
        guard !self.isShutdown, self.channel == nil, !self.connecting, self.reconnect == nil, !self.wanted.isEmpty else {
            return
        }
        if let wait = self.backoff.remainingWait(at: .now) {
            let nanoseconds = wait.components.seconds * 1_000_000_000 + wait.components.attoseconds / 1_000_000_000
            self.reconnect = self.loop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                self.reconnect = nil
                self.connectIfNeeded()
            }
            return
        }
        self.connecting = true
        let timeout = TimeAmount.nanoseconds(Int64(self.configuration.timeout / .nanoseconds(1)))
        let handler = SubscriptionHandler(onMessage: self.onMessage, onSubscribed: self.onSubscribed)
        let endpoint = self.endpoint
        let loop = self.loop
        endpoint.resolve(on: loop).flatMap { address in
            ClientBootstrap(group: loop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(RedisReplyDecoder(), handler)
                    }
                }
                .connect(host: address.host, port: address.port)
                .map { ($0, address) }
                .flatMapErrorThrowing { error in
                    endpoint.lost(address)
                    throw error
                }
        }
        .whenComplete { result in
            self.connecting = false
            switch result {
            case .success(let (channel, address)):
                self.opened(channel, at: address)
            case .failure:
                self.backoff.recordFailure(at: .now)
                self.connectIfNeeded()
            }
        }
    }

    private func opened(_ channel: any Channel, at address: RedisAddress) {
        guard !self.isShutdown else {
            channel.close(promise: nil)
            return
        }
        self.channel = channel
        self.address = address
        self.backoff.recordSuccess()
        if self.switchObserver == nil {
            // A new master: leave the old one (its subscriptions would hear nothing new).
            self.switchObserver = self.endpoint.observe { [weak self] master in
                guard let subscriber = self else { return }
                subscriber.onLoop {
                    guard subscriber.address != master else { return }
                    subscriber.channel?.close(promise: nil)
                }
            }
        }
        let endpoint = self.endpoint
        channel.closeFuture.whenComplete { _ in
            endpoint.lost(address)
            self.onLoop {
                guard self.channel === channel else { return }
                self.channel = nil
                self.address = nil
                self.backoff.recordFailure(at: .now)
                self.connectIfNeeded()
            }
        }
        if let password = self.configuration.password {
            // The reply (+OK or an error that closes the connection) comes before any
            // subscription confirmation; the handler checks it.
            Self.write(["AUTH"] + (self.configuration.username.map { [$0] } ?? []) + [password], to: channel)
        }
        // In batches, so one command stays a reasonable size whatever the number of channels.
        let channels = Array(self.wanted)
        var start = 0
        while start < channels.count {
            let end = min(channels.count, start + 1_000)
            Self.write(["SUBSCRIBE"] + channels[start..<end], to: channel)
            start = end
        }
    }

    private static func write(_ arguments: [String], to channel: any Channel) {
        let command = RedisCommand(arguments.map { Array($0.utf8) })
        var buffer = channel.allocator.buffer(capacity: command.encodedArguments.count + 16)
        command.encode(into: &buffer)
        channel.writeAndFlush(buffer, promise: nil)
    }
}

/// Reads a subscribed connection's frames: `message` and `subscribe` arrays, `+OK` from AUTH.
/// An error reply (a refused AUTH, an ACL without the channel) closes the connection, which
/// the subscriber opens again after its backoff.
private final class SubscriptionHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = RedisReply

    private let onMessage: RedisSubscriber.MessageHandler
    private let onSubscribed: RedisSubscriber.SubscribedHandler

    init(onMessage: @escaping RedisSubscriber.MessageHandler, onSubscribed: @escaping RedisSubscriber.SubscribedHandler) {
        self.onMessage = onMessage
        self.onSubscribed = onSubscribed
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = self.unwrapInboundIn(data)
        if reply.errorMessage != nil {
            context.close(promise: nil)
            return
        }
        guard let items = reply.array, items.count == 3, let kind = items[0].string, let name = items[1].string else {
            return
        }
        switch kind {
        case "message":
            self.onMessage(name, items[2].bytes ?? [])
        case "subscribe":
            self.onSubscribed(name)
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
