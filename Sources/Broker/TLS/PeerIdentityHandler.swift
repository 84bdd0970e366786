import NIOCore
import NIOSSL
import NIOTLS

/// Tells the session which agent the client certificate names, once the TLS handshake is done.
///
/// Sits right after the TLS handler. The handshake completes before any application data is
/// read, so the session learns the identity before the first frame (the `hello`) arrives.
final class PeerIdentityHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event {
            let certificate = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self).peerCertificate
            let identity = certificate.map { PeerIdentity(agentID: CertificateIdentity.agentID(of: $0)) }
            context.fireUserInboundEventTriggered(event)
            if let identity {
                context.fireUserInboundEventTriggered(identity)
            }
            // Its work is done; the rest of the connection skips it.
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// The client certificate of a TLS connection: the agent id its subject names, or nil when it
/// names none (such a certificate allows no hello at all).
struct PeerIdentity: Sendable, Equatable {
    let agentID: String?
}
