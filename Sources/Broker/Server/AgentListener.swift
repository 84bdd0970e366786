/// One address the agent port listens on, plain TCP or TLS.
///
/// agentd has one listener normally; with TLS it may have a second, plain one on loopback
/// (`tls.plain_listen`) for local tools.
public struct AgentListener: Sendable {
    /// Host or IP address to bind.
    public var host: String
    /// Port; 0 picks a free one.
    public var port: Int
    /// TLS for every connection accepted here; nil = plain TCP.
    public var tls: AgentTLSContext?

    /// A listener on `host:port`, TLS when `tls` is given.
    public init(host: String, port: Int, tls: AgentTLSContext? = nil) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}
