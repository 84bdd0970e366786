/// What systemd tells a `Type=notify` service through its environment.
///
/// - `NOTIFY_SOCKET`: the datagram socket for state messages; an absolute path, or `@name`
///   for Linux's abstract namespace.
/// - `WATCHDOG_USEC`: with `WatchdogSec=`, the service must send `WATCHDOG=1` at least this
///   often (microseconds); sending at half of it is what systemd recommends.
/// - `WATCHDOG_PID`: when set, the watchdog is meant for that process only.
public struct NotifyEnvironment: Sendable, Equatable {
    /// Where the notification socket is.
    public enum Socket: Sendable, Equatable {
        /// A socket file.
        case path(String)
        /// An abstract-namespace name (without the leading `@`).
        case abstract(String)
    }

    /// The notification socket; nil when agentd does not run under systemd's notify protocol.
    public var socket: Socket?
    /// How often to send `WATCHDOG=1` (half of `WATCHDOG_USEC`), in microseconds; nil = no watchdog.
    public var watchdogIntervalMicroseconds: Int64?
    /// Why a variable that was set is ignored, for one warning at start.
    public var problems: [String]

    /// Reads the variables.
    /// - Parameters:
    ///   - environment: the process environment.
    ///   - processID: this process's id, compared with `WATCHDOG_PID`.
    public init(_ environment: [String: String], processID: Int32) {
        self.problems = []
        self.socket = nil
        self.watchdogIntervalMicroseconds = nil
        if let value = environment["NOTIFY_SOCKET"], !value.isEmpty {
            if value.hasPrefix("@") {
                self.socket = .abstract(String(value.dropFirst()))
            } else if value.hasPrefix("/") {
                self.socket = .path(value)
            } else {
                self.problems.append("NOTIFY_SOCKET=\(value) is neither an absolute path nor @name; ignored")
            }
        }
        if let value = environment["WATCHDOG_USEC"], !value.isEmpty {
            let pid = environment["WATCHDOG_PID"].flatMap { $0.isEmpty ? nil : $0 }
            if let usec = Int64(value), usec > 0 {
                if let pid, Int32(pid) != processID {
                    // Meant for another process (e.g. a wrapper that exec'd us under another pid).
                } else {
                    self.watchdogIntervalMicroseconds = max(1, usec / 2)
                }
            } else {
                self.problems.append("WATCHDOG_USEC=\(value) is not a positive integer; no watchdog")
            }
        }
    }
}
