import NIOCore

/// What the session decided for one request.
struct SessionResult {
    enum Reply {
        /// The reply line is ready.
        case now([UInt8])
        /// The reply line comes when the store answers: call this with the function that takes
        /// it (on the connection's event loop). A registration rather than a future saves the
        /// hot path a chain of futures per request.
        case later((@escaping ([UInt8]) -> Void) -> Void)
    }

    var reply: Reply
    /// Close the connection once this reply is written (`bye`, `frame_too_large`).
    var closeAfter = false
    /// Runs on the event loop right after this reply is written (`subscribe` starts pushing
    /// only then, so its reply precedes every pushed message).
    var afterWrite: (() -> Void)?

    static func now(_ bytes: [UInt8]) -> SessionResult { SessionResult(reply: .now(bytes)) }
}
