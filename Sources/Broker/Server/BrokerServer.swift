import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The agent port: accepts TCP (or TLS) connections and runs a session on each.
///
/// A graceful shutdown drains: stop accepting, let each connection finish the requests it has
/// in flight, close it; connections still open after `drain_timeout_ms` are closed anyway.
public final class BrokerServer: Service {
    private let broker: Broker
    private let listeners: [AgentListener]
    private let group: any EventLoopGroup
    private let logger: Logger
    private let onReady: @Sendable ([SocketAddress]) -> Void
    private let connections = ConnectionSet()

    /// Creates a server that will listen on each of `listeners` and call `onReady` once with
    /// their bound addresses, in the same order (a port 0 is replaced by the one picked).
    public init(
        broker: Broker,
        listeners: [AgentListener],
        group: any EventLoopGroup,
        logger: Logger,
        onReady: @escaping @Sendable ([SocketAddress]) -> Void
    ) {
        self.broker = broker
        self.listeners = listeners
        self.group = group
        self.logger = logger
        self.onReady = onReady
    }

    /// Creates a server with one plain-TCP listener on `host:port`.
    public convenience init(
        broker: Broker,
        host: String,
        port: Int,
        group: any EventLoopGroup,
        logger: Logger,
        onReady: @escaping @Sendable (SocketAddress) -> Void
    ) {
        self.init(broker: broker, listeners: [AgentListener(host: host, port: port)], group: group, logger: logger) {
            if let first = $0.first { onReady(first) }
        }
    }

    /// Binds every listener, serves until a graceful shutdown, then drains.
    public func run() async throws {
        var channels: [any Channel] = []
        do {
            for listener in self.listeners {
                channels.append(try await self.bind(listener))
            }
        } catch {
            // One address taken means agentd is not serving as configured: give up on all.
            for channel in channels { channel.close(promise: nil) }
            throw error
        }
        self.onReady(channels.compactMap(\.localAddress))
        let bound = channels
        try await withGracefulShutdownHandler {
            for channel in bound {
                try await channel.closeFuture.get()
            }
        } onGracefulShutdown: {
            for channel in bound { channel.close(promise: nil) }
        }
        await self.drain()
    }

    private func bind(_ listener: AgentListener) async throws -> any Channel {
        let broker = self.broker
        let connections = self.connections
        let maxFrameBytes = broker.configuration.maxFrameBytes
        let tls = listener.tls
        return try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1_024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // A client that shuts its sending side still gets every reply (see SessionHandler).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        // Even the over-limit refusal is spoken over TLS: the client expects it.
                        try pipeline.addHandler(NIOSSLServerHandler(context: tls.current))
                    }
                    guard broker.admitConnection() else {
                        try pipeline.addHandler(RejectHandler())
                        return
                    }
                    channel.closeFuture.whenComplete { _ in broker.connectionClosed() }
                    connections.insert(channel)
                    if tls != nil {
                        try pipeline.addHandler(PeerIdentityHandler())
                    }
                    try pipeline.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
                    try pipeline.addHandler(SessionHandler(broker: broker))
                }
            }
            .bind(host: listener.host, port: listener.port)
            .get()
    }

    private func drain() async {
        let open = self.connections.all
        guard !open.isEmpty else { return }
        self.logger.info("draining connections", metadata: ["agentd.connections": "\(open.count)"])
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(DrainEvent())
        }
        let deadline = NIODeadline.now() + self.broker.configuration.drainTimeout
        while !self.connections.isEmpty && NIODeadline.now() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for channel in self.connections.all {
            channel.close(promise: nil)
        }
    }
}
