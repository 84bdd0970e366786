/// Why a tokens file was refused; the message names the entry (by its index in the JSON
/// array, from 0) and the field, and never quotes a digest.
public struct TokenTableError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The entry's index in the array; nil when the file as a whole is wrong.
    public var entry: Int?
    /// What is wrong, starting with the field name when there is one.
    public var message: String

    /// An error about entry `entry` (nil: the whole file).
    public init(entry: Int?, _ message: String) {
        self.entry = entry
        self.message = message
    }

    /// `tokens file entry [2]: token_sha256: must be 64 hex digits`.
    public var description: String {
        guard let entry = self.entry else { return "tokens file: \(self.message)" }
        return "tokens file entry [\(entry)]: \(self.message)"
    }
}
