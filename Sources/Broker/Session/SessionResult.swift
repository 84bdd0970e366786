import NIOCore

/// What the session decided for one request.
struct SessionResult {
    enum Reply {
        /// The reply line is ready.
        case now([UInt8])
        /// The reply line comes when the store answers.
        case later(EventLoopFuture<[UInt8]>)
    }

    var reply: Reply
    /// Close the connection once this reply is written (`bye`, `frame_too_large`).
    var closeAfter = false
    /// Runs on the event loop right after this reply is written (`subscribe` starts pushing
    /// only then, so its reply precedes every pushed message).
    var afterWrite: (() -> Void)?

    static func now(_ bytes: [UInt8]) -> SessionResult { SessionResult(reply: .now(bytes)) }
}
