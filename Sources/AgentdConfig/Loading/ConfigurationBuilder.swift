/// Applies the layers in order onto the defaults and remembers which keys were set
/// explicitly, for defaults that depend on other keys (`heartbeat_timeout_ms`).
struct ConfigurationBuilder {
    private(set) var configuration = AgentdConfiguration()
    /// Dotted names of keys set by any layer.
    private(set) var explicitlySet: Set<String> = []

    /// Layer 1: the config file. Unknown tables and keys are errors, so a typo cannot
    /// silently leave a setting at its default.
    mutating func applyFile(_ contents: String, fileName: String) throws(ConfigurationError) {
        let secrets = Set(ConfigurationKey.all.filter(\.isSecret).map(\.name))
        let document = try TOMLParser(fileName: fileName, secretKeys: secrets).parse(contents)
        let tables = ConfigurationKey.tables
        for table in document.tables {
            let name = table.path.joined(separator: ".")
            guard tables.contains(name) else {
                let known = tables.sorted().map { "[\($0)]" }.joined(separator: ", ")
                throw ConfigurationError("\(fileName):\(table.line): unknown table [\(name)] (known tables: \(known))")
            }
        }
        for entry in document.entries {
            let name = entry.dottedName
            let location = "\(fileName):\(entry.line): \(name)"
            guard let key = ConfigurationKey.named(name) else {
                throw ConfigurationError("\(fileName):\(entry.line): unknown key \(name)\(Self.hint(for: name))")
            }
            try self.apply(key, .file(entry.value), from: location)
        }
    }

    /// Layer 2: `AGENTD_*` variables, after the original design's aliases so that the
    /// `AGENTD_*` form wins. Other variables, including unknown `AGENTD_*` ones, are ignored:
    /// the environment is shared with everything else on the machine.
    mutating func applyEnvironment(_ environment: [String: String]) throws(ConfigurationError) {
        for alias in EnvironmentAlias.all {
            guard let text = environment[alias.variable], let key = ConfigurationKey.named(alias.keyName),
                environment[key.environmentVariable] == nil
            else { continue }
            let input: ConfigurationInput
            do {
                input = try alias.input(from: text)
            } catch {
                throw ConfigurationError("\(alias.variable): \(error.message)")
            }
            try self.apply(key, input, from: alias.variable)
        }
        for key in ConfigurationKey.all {
            guard let text = environment[key.environmentVariable] else { continue }
            try self.apply(key, .text(text), from: key.environmentVariable)
        }
    }

    /// Layer 3: command-line flags.
    mutating func applyOverrides(_ overrides: ConfigurationOverrides) throws(ConfigurationError) {
        let flags: [(flag: String, keyName: String, value: String?)] = [
            ("--listen", "listen", overrides.listen),
            ("--redis", "redis", overrides.redis),
            ("--backend", "backend", overrides.backend),
            ("--admin", "admin", overrides.admin),
            ("--log-level", "log_level", overrides.logLevel),
        ]
        for flag in flags {
            guard let text = flag.value, let key = ConfigurationKey.named(flag.keyName) else { continue }
            try self.apply(key, .text(text), from: flag.flag)
        }
    }

    /// Derived defaults, then the checks that involve more than one key.
    func finish() throws(ConfigurationError) -> AgentdConfiguration {
        var result = self.configuration
        if !self.explicitlySet.contains("heartbeat_timeout_ms") {
            let (timeout, overflow) = result.heartbeatIntervalMilliseconds.multipliedReportingOverflow(by: 3)
            guard !overflow else {
                throw ConfigurationError(
                    "heartbeat_interval_ms: \(result.heartbeatIntervalMilliseconds) is too large to derive heartbeat_timeout_ms (3 × interval)"
                )
            }
            result.heartbeatTimeoutMilliseconds = timeout
        }
        try ConfigurationValidation.check(result)
        return result
    }

    private mutating func apply(
        _ key: ConfigurationKey,
        _ input: ConfigurationInput,
        from location: String
    ) throws(ConfigurationError) {
        do {
            try key.apply(&self.configuration, input)
        } catch {
            throw ConfigurationError("\(location): \(error.message)")
        }
        self.explicitlySet.insert(key.name)
    }

    /// " (did you mean max_deliveries?)" for a near miss, or how to write a table's keys.
    private static func hint(for name: String) -> String {
        if ConfigurationKey.tables.contains(name) {
            return " ([\(name)] is a table: put its keys under a [\(name)] header)"
        }
        let candidates = ConfigurationKey.all.map(\.name)
        // A word more or less (`ack_timeout`, `listen_address`) is as likely as a typo.
        if let extended = candidates.first(where: { $0.hasPrefix(name + "_") || name.hasPrefix($0 + "_") }) {
            return " (did you mean \(extended)?)"
        }
        let best = candidates.map { (name: $0, distance: EditDistance.between($0, name)) }.min { $0.distance < $1.distance }
        guard let best, best.distance <= max(2, name.count / 4) else { return "" }
        return " (did you mean \(best.name)?)"
    }
}
