import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP relay in front of an in-process server, so a test can make "its daemon" die the
/// way a killed process does (every socket closed at once, no `bye`) while the server
/// behind it lives on, or swallow the server's replies (a request stored, its answer lost).
final class TCPProxy: Sendable {
    let port: Int
    private let listener: any Channel
    private let state: NIOLockedValueBox<(connections: [any Channel], muted: Bool)>

    private init(port: Int, listener: any Channel, state: NIOLockedValueBox<(connections: [any Channel], muted: Bool)>) {
        self.port = port
        self.listener = listener
        self.state = state
    }

    static func start(to targetPort: Int) async throws -> TCPProxy {
        let state = NIOLockedValueBox<(connections: [any Channel], muted: Bool)>(([], false))
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: targetPort)
                    .flatMapThrowing { outbound in
                        state.withLockedValue { $0.connections += [inbound, outbound] }
                        try inbound.pipeline.syncOperations.addHandler(Relay(to: outbound, mutable: nil))
                        try outbound.pipeline.syncOperations.addHandler(Relay(to: inbound, mutable: state))
                    }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        guard let port = listener.localAddress?.port else {
            throw ProxyDidNotStart()
        }
        return TCPProxy(port: port, listener: listener, state: state)
    }

    /// Drops everything the server sends from now on.
    func mute() {
        self.state.withLockedValue { $0.muted = true }
    }

    /// Stops listening and closes every relayed connection, both sides.
    func crash() async {
        let connections = self.state.withLockedValue { $0.connections }
        try? await self.listener.close()
        for channel in connections {
            try? await channel.close()
        }
    }

    struct ProxyDidNotStart: Error {}

    /// Copies what one side reads to the other; closes the other when this one closes.
    private final class Relay: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        private let partner: any Channel
        /// Set on the server side: whether its bytes are dropped.
        private let mutable: NIOLockedValueBox<(connections: [any Channel], muted: Bool)>?

        init(to partner: any Channel, mutable: NIOLockedValueBox<(connections: [any Channel], muted: Bool)>?) {
            self.partner = partner
            self.mutable = mutable
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if self.mutable?.withLockedValue({ $0.muted }) == true { return }
            self.partner.writeAndFlush(Self.unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.partner.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
