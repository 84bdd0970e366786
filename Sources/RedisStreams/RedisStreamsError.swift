/// A failure to use Redis, or a reply that could not be decoded.
///
/// A Redis error *reply* to a command is not a failure of the connection; ``RedisClient`` delivers
/// it as ``RedisReply/error(_:)``. Decoders in this module turn error replies into `.serverError`.
public struct RedisStreamsError: Error, Sendable, CustomStringConvertible {
    /// The category of failure.
    public enum Kind: Sendable, Equatable {
        /// The server could not be connected to, or the connection broke.
        case unreachable
        /// Connecting, writing or reading took longer than the configured timeout.
        case timeout
        /// The server sent something that does not match the protocol or the expected reply shape.
        case protocolError
        /// The server answered with an error reply (e.g. failed AUTH, a decoder got `-ERR ...`).
        case serverError
        /// The client was shut down.
        case closed
    }

    /// The category of failure.
    public var kind: Kind
    /// Human-readable detail, e.g. "connect to 127.0.0.1:6379: Connection refused".
    public var message: String

    /// Creates an error of the given kind.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// The server could not be reached or the connection broke.
    public static func unreachable(_ message: String) -> RedisStreamsError {
        RedisStreamsError(kind: .unreachable, message: message)
    }

    /// An operation exceeded the configured timeout.
    public static func timeout(_ message: String) -> RedisStreamsError {
        RedisStreamsError(kind: .timeout, message: message)
    }

    /// A protocol violation or an unexpected reply shape.
    public static func protocolError(_ message: String) -> RedisStreamsError {
        RedisStreamsError(kind: .protocolError, message: message)
    }

    /// An error reply from the server.
    public static func serverError(_ message: String) -> RedisStreamsError {
        RedisStreamsError(kind: .serverError, message: message)
    }

    /// The client was shut down.
    public static func closed(_ message: String = "redis client is shut down") -> RedisStreamsError {
        RedisStreamsError(kind: .closed, message: message)
    }

    /// "kind: message".
    public var description: String {
        "\(kind): \(message)"
    }
}
