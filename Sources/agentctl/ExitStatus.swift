/// The exit statuses scripts can rely on; `agentctl --help` and the README list them.
///
/// ArgumentParser's own usage errors would exit 64 (`EX_USAGE`); `Agentctl.main` maps
/// them to ``usage`` so there is one number per kind of trouble.
enum ExitStatus: Int32, Sendable {
    /// The command did what it was asked.
    case ok = 0
    /// agentd answered with an error (`error: <code>: <message>` on stderr).
    case serverError = 1
    /// The command line was wrong: an unknown flag, a bad value, unreadable JSON, unusable TLS files.
    case usage = 2
    /// agentd could not be reached (TLS handshake included), or the connection ended before the answer.
    case unreachable = 3
    /// `health` answered, and says agentd is degraded (its store is down).
    case degraded = 4
}
