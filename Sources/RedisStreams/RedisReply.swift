/// A reply converted from hiredis' `redisReply`.
///
/// The value owns all of its bytes: it is created by copying the hiredis reply tree,
/// which is freed right after conversion.
///
/// - Note: Over RESP2 (hiredis 0.14) a null array (`*-1`, e.g. XREADGROUP that found
///   nothing) and a null bulk string (`$-1`) both arrive as hiredis' NIL reply and are
///   indistinguishable; both are delivered as `.bulk(nil)`. Use ``isNull`` rather than
///   matching `.array(nil)` when checking for "nothing".
public enum RedisReply: Sendable, Equatable {
    /// A status reply such as `+OK`.
    case status(String)
    /// An error reply such as `-ERR unknown command`; a normal reply, not a failure.
    case error(String)
    /// An integer reply.
    case integer(Int64)
    /// A bulk string; `nil` is the null bulk string (and, over RESP2, the null array).
    case bulk([UInt8]?)
    /// An array; `nil` is the null array.
    case array([RedisReply]?)
}

extension RedisReply {
    /// The text of a bulk string (decoded as UTF-8, invalid bytes replaced) or of a status.
    public var string: String? {
        switch self {
        case .bulk(let bytes?): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }

    /// The value of an integer reply, or a bulk/status text parsed as a decimal integer.
    public var int: Int64? {
        switch self {
        case .integer(let value): return value
        case .bulk(let bytes?): return Int64(String(decoding: bytes, as: UTF8.self))
        case .status(let text): return Int64(text)
        default: return nil
        }
    }

    /// The raw bytes of a bulk string.
    public var bytes: [UInt8]? {
        if case .bulk(let bytes) = self { return bytes }
        return nil
    }

    /// The elements of a non-null array.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// True for the null bulk string and the null array.
    public var isNull: Bool {
        switch self {
        case .bulk(nil), .array(nil): return true
        default: return false
        }
    }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self { return message }
        return nil
    }

    /// A short description of the reply's shape for error messages, e.g. "array of 3 elements".
    public var kindDescription: String {
        switch self {
        case .status: return "status"
        case .error(let message): return "error '\(message)'"
        case .integer: return "integer"
        case .bulk(nil): return "null"
        case .bulk: return "bulk string"
        case .array(nil): return "null array"
        case .array(let elements?): return "array of \(elements.count) elements"
        }
    }
}
