/// Why a byte sequence was rejected as JSON, and where.
///
/// `reason` is meant for a person (it ends up in error replies and logs), so it
/// names the problem in words; `offset` lets the reader find the spot.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the input where the problem was found.
    public var offset: Int
    /// What went wrong, e.g. `invalid UTF-8` or `duplicate key "a"`.
    public var reason: String

    /// Creates an error for `reason` found at byte `offset`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `"<reason> at byte <offset>"`.
    public var description: String { "\(reason) at byte \(offset)" }
}
