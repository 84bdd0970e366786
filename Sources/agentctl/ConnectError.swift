import NIOCore

/// Short reasons for a failed connect. NIO's own descriptions name internal types
/// (`SingleConnectionFailure(target: [IPv4]…)`), which is noise on an operator's terminal.
enum ConnectError {
    /// The reason `error` (thrown by `AgentdClient.connect`) names, in a few words.
    static func describe(_ error: any Error) -> String {
        if case .connectTimeout = error as? ChannelError {
            return "timed out"
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
