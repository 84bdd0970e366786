import NIOCore

/// One failed attempt to reach a server: which, and why in a few words.
public struct ConnectFailure: Sendable, Equatable, CustomStringConvertible {
    /// The server tried.
    public let server: ServerAddress
    /// Why it failed: `connection refused`, `timed out`, `overloaded: …`, a TLS error…
    public let reason: String

    /// A failure with its reason as given.
    public init(server: ServerAddress, reason: String) {
        self.server = server
        self.reason = reason
    }

    /// A failure whose reason is taken from `error` (thrown while connecting).
    init(server: ServerAddress, error: any Error) {
        self.init(server: server, reason: Self.reason(for: error))
    }

    /// `HOST:PORT: reason`.
    public var description: String {
        "\(self.server): \(self.reason)"
    }

    /// The reason `error` names, in a few words. NIO's own descriptions name internal types
    /// (`SingleConnectionFailure(target: [IPv4]…)`), which is noise on an operator's terminal.
    static func reason(for error: any Error) -> String {
        if case .connectTimeout = error as? ChannelError {
            return "timed out"
        }
        if let clientError = error as? AgentdClientError {
            return clientError.description
        }
        let text = String(describing: error)
        let known: [(marker: String, reason: String)] = [
            ("Connection refused", "connection refused"),
            ("DNS error", "cannot resolve the host name"),
            ("Network is unreachable", "network unreachable"),
            ("No route to host", "no route to host"),
        ]
        for entry in known where text.contains(entry.marker) {
            return entry.reason
        }
        return text
    }
}
