/// The one error type of agentd: a wire code, a message for a person, and (never sent) a cause.
public struct AgentdError: Error, Sendable, CustomStringConvertible {
    /// The code that goes on the wire.
    public var code: ErrorCode
    /// Text for a person; names the bad field where there is one.
    public var message: String
    /// The underlying error, for logs only.
    public var cause: (any Error & Sendable)?
    /// Where the error was made, for logs.
    public var location: (fileID: String, line: Int)

    /// Creates an error; prefer the static factories, which record the location.
    public init(
        _ code: ErrorCode,
        _ message: String,
        cause: (any Error & Sendable)? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = (fileID, line)
    }

    /// A textual form for logs: code, message, location and cause.
    public var description: String {
        var text = "\(self.code.rawValue): \(self.message) [\(self.location.fileID):\(self.location.line)]"
        if let cause = self.cause {
            text += " cause: \(cause)"
        }
        return text
    }
}

extension AgentdError {
    /// `bad_json`: the frame is not a JSON object.
    public static func badJSON(_ message: String, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.badJSON, message, fileID: fileID, line: line)
    }

    /// `bad_request`: a field is missing, mistyped or out of range.
    public static func badRequest(_ message: String, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.badRequest, message, fileID: fileID, line: line)
    }

    /// `unknown_op`.
    public static func unknownOp(_ name: String, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.unknownOp, "unknown op \"\(name.prefix(64))\"", fileID: fileID, line: line)
    }

    /// `frame_too_large`.
    public static func frameTooLarge(limit: Int, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.frameTooLarge, "frame longer than max_frame_bytes (\(limit)); closing", fileID: fileID, line: line)
    }

    /// `unauthenticated`.
    public static func unauthenticated(_ message: String, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.unauthenticated, message, fileID: fileID, line: line)
    }

    /// `forbidden`.
    public static func forbidden(_ message: String, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.forbidden, message, fileID: fileID, line: line)
    }

    /// `not_found`.
    public static func notFound(_ message: String, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.notFound, message, fileID: fileID, line: line)
    }

    /// `unavailable`: the store did not answer; the request may not have taken effect.
    public static func unavailable(
        _ message: String,
        cause: (any Error & Sendable)? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) -> AgentdError {
        AgentdError(.unavailable, message, cause: cause, fileID: fileID, line: line)
    }

    /// `overloaded`: a limit was hit.
    public static func overloaded(_ message: String, fileID: String = #fileID, line: Int = #line) -> AgentdError {
        AgentdError(.overloaded, message, fileID: fileID, line: line)
    }

    /// `internal`: the message sent is generic; the cause is for the log.
    public static func `internal`(
        cause: (any Error & Sendable)? = nil,
        fileID: String = #fileID,
        line: Int = #line
    ) -> AgentdError {
        AgentdError(.internal, "internal error", cause: cause, fileID: fileID, line: line)
    }
}
