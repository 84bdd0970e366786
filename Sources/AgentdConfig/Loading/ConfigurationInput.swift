/// One raw setting before it is decoded: a typed TOML value from the file, or text from an
/// environment variable or flag (where everything is a string, so `"5"` must be read as 5).
enum ConfigurationInput: Sendable, Equatable {
    case file(TOMLValue)
    case text(String)

    /// The value as quoted in "got …": file values as written, text always in quotes.
    /// Secret values are replaced by their kind, so a password never reaches a log.
    func shown(secret: Bool) -> String {
        switch self {
        case .file(let value): return secret ? value.kindDescription : value.shown
        case .text(let text): return secret ? "a value (not shown: secret)" : "\"\(text)\""
        }
    }

    /// Reads an integer within `range`.
    func integer(in range: ClosedRange<Int>, secret: Bool = false) throws(ConfigurationError) -> Int {
        let number: Int
        switch self {
        case .file(.integer(let value)):
            number = value
        case .text(let text):
            do {
                number = try TOMLInteger.parse(text)
            } catch {
                throw self.expected("an integer", secret: secret)
            }
        case .file:
            throw self.expected("an integer", secret: secret)
        }
        guard range.contains(number) else {
            throw self.expected("an integer \(Self.describe(range))", secret: secret)
        }
        return number
    }

    /// Reads a string; any text is a string.
    func string(secret: Bool = false) throws(ConfigurationError) -> String {
        switch self {
        case .file(.string(let value)): return value
        case .text(let text): return text
        case .file: throw self.expected("a string", secret: secret)
        }
    }

    /// Reads a boolean. Environment variables also accept the spellings shells commonly use
    /// (`1`/`0`, `yes`/`no`, `on`/`off`); the file takes TOML's `true`/`false` only.
    func boolean() throws(ConfigurationError) -> Bool {
        switch self {
        case .file(.boolean(let value)):
            return value
        case .text(let text):
            switch text.lowercased() {
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw self.expected("true or false", secret: false)
            }
        case .file:
            throw self.expected("true or false", secret: false)
        }
    }

    /// The "expected X, got Y" message, without a location (the loader adds it).
    func expected(_ what: String, secret: Bool) -> ConfigurationError {
        ConfigurationError("expected \(what), got \(self.shown(secret: secret))")
    }

    /// `≥ 1`, or `from 64 to 67108864` when there is a real upper bound.
    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "≥ \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
    }
}
