/// One state change told to systemd (`sd_notify(3)`): `KEY=VALUE` lines in one datagram.
public enum NotifyMessage: Sendable, Equatable {
    /// Startup is finished: the agent port listens.
    case ready
    /// Shutdown (the drain) has begun.
    case stopping
    /// A configuration reload began (`SIGHUP`); followed by `ready` when done.
    case reloading
    /// Still alive (`WatchdogSec=`).
    case watchdog
    /// A free-form one-line status, shown by `systemctl status`.
    case status(String)

    /// The `KEY=VALUE` line. A status is kept on one line: newlines would start new assignments.
    public var line: String {
        switch self {
        case .ready: return "READY=1"
        case .stopping: return "STOPPING=1"
        case .reloading: return "RELOADING=1"
        case .watchdog: return "WATCHDOG=1"
        case .status(let text):
            let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            return "STATUS=" + oneLine
        }
    }

    /// The datagram's text for `messages`: one line each, newline-separated.
    public static func datagram(_ messages: [NotifyMessage]) -> String {
        messages.map(\.line).joined(separator: "\n") + "\n"
    }
}
