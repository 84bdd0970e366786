import AgentCore

/// What can go wrong talking to agentd.
public enum AgentdClientError: Error, Sendable, CustomStringConvertible {
    /// agentd answered the request with an error (`code` is one of the wire codes).
    case server(code: String, message: String)
    /// The connection closed before the reply arrived (or the client was closed).
    case connectionClosed
    /// agentd sent something that is not a frame of the protocol.
    case malformedFrame(String)
    /// The TLS settings could not be used (an unreadable CA file, a certificate without its key).
    case tlsSetup(String)
    /// The TLS handshake failed: agentd's certificate is not trusted, or it refused ours.
    case tlsHandshake(String)

    /// The wire error code when agentd answered with an error, e.g. `"unavailable"`.
    public var code: String? {
        if case .server(let code, _) = self { return code }
        return nil
    }

    public var description: String {
        switch self {
        case .server(let code, let message): return "\(code): \(message)"
        case .connectionClosed: return "connection to agentd closed"
        case .malformedFrame(let detail): return "malformed frame from agentd: \(detail)"
        case .tlsSetup(let detail): return "TLS setup: \(detail)"
        case .tlsHandshake(let detail): return "TLS handshake failed: \(detail)"
        }
    }
}
