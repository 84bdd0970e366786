/// One value of the TOML subset agentd reads.
///
/// The subset is deliberately small (see `TOMLParser`): everything agentd's configuration
/// needs, nothing that would make the parser large enough to hide bugs.
enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    /// Arrays are one line and homogeneous: all strings or all integers (an empty array is
    /// `.stringArray([])`, since nothing distinguishes it).
    case stringArray([String])
    case integerArray([Int])

    /// The kind of value, as used in "expected …, got …" messages.
    var kindDescription: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .stringArray, .integerArray: return "an array"
        }
    }

    /// How the value is shown in an error message: strings quoted, numbers as written,
    /// arrays summarised (they can be long, and messages should stay one short line).
    var shown: String {
        switch self {
        case .string(let text): return "\"\(text)\""
        case .integer(let number): return String(number)
        case .boolean(let flag): return flag ? "true" : "false"
        case .stringArray, .integerArray: return "an array"
        }
    }
}
