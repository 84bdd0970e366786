/// An environment variable from agentd's original design, still honoured: `AGENT_DEFAULT_TIMEOUT`
/// and `AGENT_HEARTBEAT_INTERVAL` in seconds, `AGENT_MAX_RETRIES` as a count.
///
/// An alias sits in the environment layer but yields to the key's own `AGENTD_*` variable:
/// when both are set the alias is not even read, so a stale alias cannot break a start.
struct EnvironmentAlias: Sendable {
    /// The variable, e.g. `AGENT_DEFAULT_TIMEOUT`.
    let variable: String
    /// The dotted key it sets.
    let keyName: String
    /// Seconds in the variable, milliseconds in the key.
    let inSeconds: Bool

    static let all: [EnvironmentAlias] = [
        EnvironmentAlias(variable: "AGENT_DEFAULT_TIMEOUT", keyName: "task_timeout_ms", inSeconds: true),
        EnvironmentAlias(variable: "AGENT_MAX_RETRIES", keyName: "task_max_retries", inSeconds: false),
        EnvironmentAlias(variable: "AGENT_HEARTBEAT_INTERVAL", keyName: "heartbeat_interval_ms", inSeconds: true),
    ]

    /// The value to give the key: the text unchanged, or seconds converted to milliseconds.
    /// Seconds may have up to three decimals (`1.5` → 1500), since a millisecond key can hold them.
    func input(from text: String) throws(ConfigurationError) -> ConfigurationInput {
        guard self.inSeconds else { return .text(text) }
        guard let milliseconds = Self.milliseconds(fromSeconds: text), milliseconds > 0 else {
            throw ConfigurationError("expected a number of seconds > 0, got \"\(text)\"")
        }
        return .text(String(milliseconds))
    }

    /// `"30"` → 30 000, `"1.5"` → 1 500; nil for anything else (signs, > 3 decimals, overflow).
    static func milliseconds(fromSeconds text: String) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.unicodeScalars.allSatisfy(TOMLInteger.isDigit),
            let seconds = Int(whole)
        else { return nil }
        var fraction = 0
        if parts.count == 2 {
            let decimals = parts[1]
            guard (1...3).contains(decimals.count), decimals.unicodeScalars.allSatisfy(TOMLInteger.isDigit),
                let digits = Int(decimals)
            else { return nil }
            fraction = digits * [1, 100, 10, 1][decimals.count]
        }
        let (scaled, overflowA) = seconds.multipliedReportingOverflow(by: 1000)
        let (total, overflowB) = scaled.addingReportingOverflow(fraction)
        return overflowA || overflowB ? nil : total
    }
}
