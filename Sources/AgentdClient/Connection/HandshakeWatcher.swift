import NIOCore
import NIOSSL
import NIOTLS

/// Completes `promise` when the TLS handshake does: succeeded, failed with the TLS error
/// (an untrusted certificate, a refused client certificate), or cut short by a close.
///
/// So `connect` can report why TLS failed instead of a bare "connection closed" later.
final class HandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            self.promise.succeed()
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(AgentdClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // Removed before the handshake finished (the channel went away): nobody may wait forever.
        self.promise.fail(AgentdClientError.connectionClosed)
    }
}
