/// The kinds of keys: each factory pairs a decoder from `ConfigurationInput` with the
/// property it writes.
extension ConfigurationKey {
    typealias Property<Value> = WritableKeyPath<AgentdConfiguration, Value> & Sendable

    static func integer(_ name: String, _ property: Property<Int>, _ range: ClosedRange<Int>) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            configuration[keyPath: property] = try input.integer(in: range)
        }
    }

    static func boolean(_ name: String, _ property: Property<Bool>) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            configuration[keyPath: property] = try input.boolean()
        }
    }

    static func nonEmptyString(_ name: String, _ property: Property<String>) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            let text = try input.string()
            guard !text.isEmpty else { throw input.expected("a non-empty string", secret: false) }
            configuration[keyPath: property] = text
        }
    }

    /// An optional string: the empty string means "not set", since TOML has no null.
    static func optionalString(_ name: String, _ property: Property<String?>, secret: Bool = false) -> Self {
        Self(name: name, isSecret: secret) { (configuration, input) throws(ConfigurationError) in
            let text = try input.string(secret: secret)
            configuration[keyPath: property] = text.isEmpty ? nil : text
        }
    }

    /// A daemon id (contract: 1–64 characters of `[A-Za-z0-9._:-]`); empty = made at start.
    static func daemonID(_ name: String, _ property: Property<String?>) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            let text = try input.string()
            guard !text.isEmpty else {
                configuration[keyPath: property] = nil
                return
            }
            guard AgentdConfiguration.isValidDaemonID(text) else {
                throw input.expected("1 to 64 characters of A-Z a-z 0-9 . _ : -", secret: false)
            }
            configuration[keyPath: property] = text
        }
    }

    static func hostPort(_ name: String, _ property: Property<HostPort>, allowPortZero: Bool) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            let address = try HostPort(parsing: input.string())
            if !allowPortZero && address.port == 0 {
                throw input.expected("HOST:PORT with a port from 1 to 65535", secret: false)
            }
            configuration[keyPath: property] = address
        }
    }

    /// Addresses as a comma list (`"h1:26379, h2:26379"`); the empty string is none.
    static func hostPortList(_ name: String, _ property: Property<[HostPort]>) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            let text = try input.string()
            var addresses: [HostPort] = []
            for part in text.split(separator: ",") {
                let item = part.trimmingCharacters(in: .whitespaces)
                guard !item.isEmpty else { continue }
                let address = try HostPort(parsing: item)
                if address.port == 0 {
                    throw input.expected("HOST:PORT addresses with ports from 1 to 65535, separated by commas", secret: false)
                }
                addresses.append(address)
            }
            configuration[keyPath: property] = addresses
        }
    }

    /// An address that may be off: the empty string turns it off.
    static func optionalHostPort(_ name: String, _ property: Property<HostPort?>) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            let text = try input.string()
            configuration[keyPath: property] = text.isEmpty ? nil : try HostPort(parsing: text)
        }
    }

    /// One case of a string enum. Case-insensitive: `AGENTD_BACKEND=Memory` is not worth a failed start.
    static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String,
        _ property: Property<Value>
    ) -> Self where Value.RawValue == String {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            let text = try input.string().lowercased()
            guard let value = Value.allCases.first(where: { $0.rawValue == text }) else {
                throw input.expected(Self.listing(Value.allCases.map(\.rawValue)), secret: false)
            }
            configuration[keyPath: property] = value
        }
    }

    /// One of a fixed list of strings, stored in lower case.
    static func oneOf(_ name: String, _ property: Property<String>, _ allowed: [String]) -> Self {
        Self(name: name, isSecret: false) { (configuration, input) throws(ConfigurationError) in
            let text = try input.string().lowercased()
            guard allowed.contains(text) else {
                throw input.expected(Self.listing(allowed), secret: false)
            }
            configuration[keyPath: property] = text
        }
    }

    /// `one of "a", "b", "c"`.
    private static func listing(_ names: [String]) -> String {
        "one of " + names.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
