import NIOCore

/// What the session decided for one request.
struct SessionResult {
    enum Reply {
        /// The reply line is ready.
        case now([UInt8])
        /// The reply line comes when the store answers: the session hands it to its
        /// `ReplyOutput` with the request's sequence number, on the connection's event loop.
        /// No closure or future is made to carry it there (the hot path's requests are many).
        case later
    }

    var reply: Reply
    /// Close the connection once this reply is written (`bye`, `frame_too_large`). Only for
    /// a reply that is ready now.
    var closeAfter = false
    /// Runs on the event loop right after this reply is written (`subscribe` starts pushing
    /// only then, so its reply precedes every pushed message). Only for a reply that is ready now.
    var afterWrite: (() -> Void)?

    static func now(_ bytes: [UInt8]) -> SessionResult { SessionResult(reply: .now(bytes)) }

    static var later: SessionResult { SessionResult(reply: .later) }
}

/// Takes the replies a session finishes later, by the sequence number of their request (the
/// connection writes them in request order). Called on the connection's event loop.
protocol ReplyOutput: AnyObject {
    func complete(_ sequence: Int, _ bytes: [UInt8])
}
