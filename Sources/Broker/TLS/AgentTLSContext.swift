import NIOConcurrencyHelpers
import NIOSSL

/// The TLS context a listener hands to each new connection, replaceable while agentd runs
/// (SIGHUP re-reads the certificate files): connections already open keep the context they
/// were accepted with.
public final class AgentTLSContext: Sendable {
    private let box: NIOLockedValueBox<NIOSSLContext>

    /// Starts with `context`.
    public init(_ context: NIOSSLContext) {
        self.box = NIOLockedValueBox(context)
    }

    /// The context for the next connection.
    public var current: NIOSSLContext {
        self.box.withLockedValue { $0 }
    }

    /// Uses `context` for connections accepted from now on.
    public func replace(with context: NIOSSLContext) {
        self.box.withLockedValue { $0 = context }
    }
}
