import AgentdClient

/// Why a subcommand stopped early, with the exit status that tells a script which kind of
/// trouble it was. `Agentctl.main` prints ``message`` (if any) and exits with ``status``.
struct CommandFailure: Error, Sendable {
    /// The exit status.
    let status: ExitStatus
    /// The line for stderr, already prefixed with `error: `; nil prints nothing.
    let message: String?

    /// agentd answered with an error: `error: <code>: <message>`, exit 1.
    static func server(code: String, message: String) -> CommandFailure {
        CommandFailure(status: .serverError, message: "error: \(code): \(message)")
    }

    /// A bad command line found after parsing (JSON values, TLS files, the address), exit 2.
    static func usage(_ message: String) -> CommandFailure {
        CommandFailure(status: .usage, message: "error: \(message)")
    }

    /// agentd could not be reached or the connection ended, exit 3.
    static func unreachable(_ message: String) -> CommandFailure {
        CommandFailure(status: .unreachable, message: "error: \(message)")
    }

    /// `health` says degraded; its output already said so, so no message. Exit 4.
    static let degraded = CommandFailure(status: .degraded, message: nil)

    /// The failure for an error thrown while talking to agentd.
    ///
    /// Everything that is not an answer from agentd comes from the connection (a write
    /// that failed, a frame that did not parse, the socket closing), so it is exit 3.
    static func from(_ error: any Error) -> CommandFailure {
        if let failure = error as? CommandFailure { return failure }
        switch error as? AgentdClientError {
        case .server(let code, let message):
            return .server(code: code, message: message)
        case .connectionClosed:
            return .unreachable("connection to agentd lost before it answered")
        case .interrupted(let server):
            return .unreachable("connection to agentd at \(server) lost before it answered")
        case .unreachable(let failures):
            return .unreachable(Self.couldNotConnect(failures))
        case .malformedFrame(let detail):
            return .unreachable("connection to agentd dropped: \(detail)")
        case .tlsSetup(let detail):
            return .usage("TLS settings: \(detail)")
        case .tlsHandshake(let detail):
            return .unreachable("TLS handshake failed: \(detail)")
        case nil:
            return .unreachable("connection to agentd failed: \(error)")
        }
    }

    /// `could not connect to agentd at HOST:PORT: reason`, or with several servers each
    /// one's last failure.
    private static func couldNotConnect(_ failures: [ConnectFailure]) -> String {
        guard failures.count > 1 else {
            guard let failure = failures.first else { return "could not connect to agentd: no server given" }
            return "could not connect to agentd at \(failure.server): \(failure.reason)"
        }
        return "could not connect to agentd at any of its servers: " + failures.map(\.description).joined(separator: "; ")
    }
}
