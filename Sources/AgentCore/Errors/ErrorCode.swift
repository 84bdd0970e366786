/// The error codes of protocol v1, spelled as they go on the wire.
///
/// The contract fixes this set; an `enum` gives exhaustive `switch`es in the server.
public enum ErrorCode: String, Sendable, CaseIterable {
    /// The frame is not a JSON object (includes invalid UTF-8).
    case badJSON = "bad_json"
    /// A field is missing, of the wrong type or out of range; the message names it.
    case badRequest = "bad_request"
    /// `op` names no operation of the protocol.
    case unknownOp = "unknown_op"
    /// The line exceeded `max_frame_bytes`; the connection is closed after the reply.
    case frameTooLarge = "frame_too_large"
    /// No successful `hello` yet, or a missing or bad token.
    case unauthenticated = "unauthenticated"
    /// The session's role may not do this, or it claims to be another agent.
    case forbidden = "forbidden"
    /// An unknown id (task, agent, ...).
    case notFound = "not_found"
    /// The store could not be reached in time; the request may not have taken effect.
    case unavailable = "unavailable"
    /// A limit was hit; retry later.
    case overloaded = "overloaded"
    /// A bug; the detail is logged, never sent.
    case `internal` = "internal"
}
