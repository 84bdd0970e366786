/// One configuration key: its name in the file, its environment variable, and how a raw
/// value is decoded, checked and stored.
///
/// `ConfigurationKey.all` is the single table of keys. The file layer, the environment layer,
/// the flags and the tests all read it, so a key added here is reachable everywhere at once.
struct ConfigurationKey: Sendable {
    typealias Apply = @Sendable (inout AgentdConfiguration, ConfigurationInput) throws(ConfigurationError) -> Void

    /// The dotted name: top-level keys as is, table keys as `table.key` (`auth.mode`).
    let name: String
    /// True for values that must never appear in a message (the Redis password).
    let isSecret: Bool
    /// Decodes, validates and stores a value. Errors carry no location; the loader adds it.
    let apply: Apply

    /// `AGENTD_` + the name in upper case, `.` → `_`: `auth.tokens_file` → `AGENTD_AUTH_TOKENS_FILE`.
    var environmentVariable: String {
        "AGENTD_" + self.name.replacingOccurrences(of: ".", with: "_").uppercased()
    }

    /// The table the key lives in, or nil at top level.
    var table: String? {
        guard let dot = self.name.firstIndex(of: ".") else { return nil }
        return String(self.name[..<dot])
    }

    /// The key with this dotted name, if any.
    static func named(_ name: String) -> ConfigurationKey? {
        self.all.first { $0.name == name }
    }

    /// The tables the file may contain.
    static var tables: Set<String> {
        Set(self.all.compactMap(\.table))
    }
}

// Local helper, not a Foundation dependency for one call.
extension String {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(self.map { $0 == target ? replacement : $0 })
    }
}
