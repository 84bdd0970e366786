import AgentCore
import NIOConcurrencyHelpers

/// The requests of one connection that wait for their reply, by id. Shared by the callers'
/// tasks (which register) and the channel's loop (which answers).
final class ReplyTable: Sendable {
    typealias Continuation = CheckedContinuation<JSONObject, any Error>

    private struct Waiting {
        var nextID = 1
        var replies: [Int: (continuation: Continuation, kind: RequestKind)] = [:]
        var closed: AgentdClientError?
    }

    private let waiting = NIOLockedValueBox(Waiting())
    /// Told about each answer to a request whose kind is not `.other`, before its caller
    /// is resumed: so the session's `hello` is known before the connection can be lost.
    private let onSessionReply: @Sendable (RequestKind, AgentdClientError?) -> Void

    init(onSessionReply: @escaping @Sendable (RequestKind, AgentdClientError?) -> Void) {
        self.onSessionReply = onSessionReply
    }

    /// Registers a request: its id, or the error the connection ended with.
    func register(_ continuation: Continuation, kind: RequestKind) -> Result<Int, AgentdClientError> {
        self.waiting.withLockedValue { waiting in
            if let closed = waiting.closed { return .failure(closed) }
            let id = waiting.nextID
            waiting.nextID += 1
            waiting.replies[id] = (continuation, kind)
            return .success(id)
        }
    }

    /// A request that could not be written: fail it now.
    func abandon(_ id: Int, _ error: any Error) {
        let entry = self.waiting.withLockedValue { $0.replies.removeValue(forKey: id) }
        entry?.continuation.resume(throwing: error)
    }

    /// A reply frame (one with an integer `id`).
    func received(_ frame: JSONObject, id: Int) {
        guard let entry = self.waiting.withLockedValue({ $0.replies.removeValue(forKey: id) }) else { return }
        var failure: AgentdClientError?
        if frame["ok"] != .bool(true) {
            let error = frame["error"]?.objectValue
            failure = .server(
                code: error?["code"]?.stringValue ?? "internal",
                message: error?["message"]?.stringValue ?? "no message")
        }
        if entry.kind != .other {
            self.onSessionReply(entry.kind, failure)
        }
        if let failure {
            entry.continuation.resume(throwing: failure)
        } else {
            entry.continuation.resume(returning: frame)
        }
    }

    /// The connection ended: every waiting request fails with `error`, and so does every
    /// later registration. The first call decides the error.
    func fail(_ error: AgentdClientError) {
        let orphans = self.waiting.withLockedValue { waiting -> [Continuation] in
            if waiting.closed == nil { waiting.closed = error }
            defer { waiting.replies.removeAll() }
            return waiting.replies.values.map(\.continuation)
        }
        for continuation in orphans {
            continuation.resume(throwing: error)
        }
    }
}
