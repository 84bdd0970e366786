import Broker
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// The admin HTTP port (`--admin HOST:PORT`): probes, Prometheus metrics, JSON views and the
/// dashboard page (`docs/operations.md`).
///
/// Bound by `bind` before the service group runs, so the ready line can name its address; then
/// `run` serves until the graceful shutdown. Listed before the agent port's server in the
/// group, it is stopped after the drain, so probes see `/readyz` answer 503 meanwhile.
public final class AdminServer: Service {
    private let channel: any Channel
    private let connections: AdminConnections
    private let logger: Logger

    /// The bound address (the real port when 0 was asked for).
    public let address: SocketAddress

    private init(channel: any Channel, address: SocketAddress, connections: AdminConnections, logger: Logger) {
        self.channel = channel
        self.address = address
        self.connections = connections
        self.logger = logger
    }

    /// Binds the admin port.
    /// - Parameters:
    ///   - responder: answers each request.
    ///   - configuration: address and limits.
    ///   - group: the event loops to serve on (the broker's).
    /// - Throws: when the address cannot be bound.
    public static func bind(
        responder: AdminResponder,
        configuration: AdminConfiguration,
        group: any EventLoopGroup,
        logger: Logger
    ) async throws -> AdminServer {
        let connections = AdminConnections(limit: configuration.maxConnections)
        let idle = configuration.idleTimeout
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                guard connections.admit(channel) else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: idle))
                    // Adds the request decoder, the response encoder, the pipelining helper
                    // and the handler that answers unparseable requests with 400 and closes.
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(AdminHTTPHandler(responder: responder))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        guard let address = channel.localAddress else {
            channel.close(promise: nil)
            throw AdminServerError.noLocalAddress
        }
        return AdminServer(channel: channel, address: address, connections: connections, logger: logger)
    }

    /// Serves until the graceful shutdown, then closes the listener and every admin connection.
    public func run() async throws {
        let channel = self.channel
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        // Admin requests are short reads; an open keep-alive connection holds nothing worth waiting for.
        self.connections.closeAll()
        self.logger.debug("admin port closed")
    }

    /// `HOST:PORT` of `address`, IPv6 in brackets, as the ready line shows it.
    public var shownAddress: String {
        let host = self.address.ipAddress ?? "?"
        let port = self.address.port ?? 0
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Why the admin port could not start.
public enum AdminServerError: Error, CustomStringConvertible {
    /// The socket has no local address after binding (never expected).
    case noLocalAddress

    /// For the startup error line.
    public var description: String {
        switch self {
        case .noLocalAddress: "the admin port has no local address after binding"
        }
    }
}
