import AgentCore

/// What can go wrong talking to agentd.
public enum AgentdClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// agentd answered the request with an error (`code` is one of the wire codes).
    case server(code: String, message: String)
    /// The connection closed before the reply arrived (or the client was closed), and the
    /// client does not reconnect.
    case connectionClosed
    /// The connection to `server` was lost (or agentd said `bye`) while the request was in
    /// flight; the client is moving to the next server. The request may or may not have
    /// taken effect: retry it (``isRetryable``). A `send` retried with the same
    /// `messageID` is stored once.
    case interrupted(server: ServerAddress)
    /// No server answered within the failover's bounds (``FailoverConfiguration``): the
    /// last failure of each server tried, in order of the list.
    case unreachable([ConnectFailure])
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

    /// Whether trying the same request again may succeed: the connection was replaced
    /// under it, or agentd said `unavailable` (its store did not answer) or `overloaded`.
    public var isRetryable: Bool {
        switch self {
        case .interrupted: return true
        case .server(let code, _): return code == "unavailable" || code == "overloaded"
        case .connectionClosed, .unreachable, .malformedFrame, .tlsSetup, .tlsHandshake: return false
        }
    }

    public var description: String {
        switch self {
        case .server(let code, let message): return "\(code): \(message)"
        case .connectionClosed: return "connection to agentd closed"
        case .interrupted(let server): return "connection to agentd at \(server) lost before it answered; retry"
        case .unreachable(let failures):
            return "no agentd answered: " + failures.map(\.description).joined(separator: "; ")
        case .malformedFrame(let detail): return "malformed frame from agentd: \(detail)"
        case .tlsSetup(let detail): return "TLS setup: \(detail)"
        case .tlsHandshake(let detail): return "TLS handshake failed: \(detail)"
        }
    }
}
