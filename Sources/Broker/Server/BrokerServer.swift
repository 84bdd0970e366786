import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The agent port: accepts TCP connections and runs a session on each.
///
/// A graceful shutdown drains: stop accepting, let each connection finish the requests it has
/// in flight, close it; connections still open after `drain_timeout_ms` are closed anyway.
public final class BrokerServer: Service {
    private let broker: Broker
    private let host: String
    private let port: Int
    private let group: any EventLoopGroup
    private let logger: Logger
    private let onReady: @Sendable (SocketAddress) -> Void
    private let connections = ConnectionSet()

    /// Creates a server that will listen on `host:port` (port 0 picks a free one) and call
    /// `onReady` with the bound address.
    public init(
        broker: Broker,
        host: String,
        port: Int,
        group: any EventLoopGroup,
        logger: Logger,
        onReady: @escaping @Sendable (SocketAddress) -> Void
    ) {
        self.broker = broker
        self.host = host
        self.port = port
        self.group = group
        self.logger = logger
        self.onReady = onReady
    }

    /// Binds, serves until a graceful shutdown, then drains.
    public func run() async throws {
        let broker = self.broker
        let connections = self.connections
        let maxFrameBytes = broker.configuration.maxFrameBytes
        let channel = try await ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1_024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // A client that shuts its sending side still gets every reply (see SessionHandler).
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                guard broker.admitConnection() else {
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(RejectHandler())
                    }
                }
                channel.closeFuture.whenComplete { _ in broker.connectionClosed() }
                connections.insert(channel)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes))
                    )
                    try channel.pipeline.syncOperations.addHandler(SessionHandler(broker: broker))
                }
            }
            .bind(host: self.host, port: self.port)
            .get()
        if let address = channel.localAddress {
            self.onReady(address)
        }
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        await self.drain()
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
