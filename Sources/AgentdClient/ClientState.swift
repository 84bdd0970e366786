import AgentCore
import NIOConcurrencyHelpers

/// What the caller threads and the channel's loop share: requests waiting for their reply,
/// and the stream events go to.
final class ClientState: Sendable {
    private struct Waiting {
        var nextID = 1
        var replies: [Int: CheckedContinuation<JSONObject, any Error>] = [:]
        var closed: AgentdClientError?
    }

    private let waiting = NIOLockedValueBox(Waiting())
    let events: AsyncStream<JSONObject>
    private let eventSink: AsyncStream<JSONObject>.Continuation

    init() {
        (self.events, self.eventSink) = AsyncStream.makeStream(of: JSONObject.self, bufferingPolicy: .unbounded)
    }

    /// Registers a request: its id, or the error the connection ended with.
    func register(_ continuation: CheckedContinuation<JSONObject, any Error>) -> Result<Int, AgentdClientError> {
        self.waiting.withLockedValue { waiting in
            if let closed = waiting.closed { return .failure(closed) }
            let id = waiting.nextID
            waiting.nextID += 1
            waiting.replies[id] = continuation
            return .success(id)
        }
    }

    /// A request that could not be written: fail it now.
    func abandon(_ id: Int, _ error: any Error) {
        let continuation = self.waiting.withLockedValue { $0.replies.removeValue(forKey: id) }
        continuation?.resume(throwing: error)
    }

    func received(_ frame: JSONObject) {
        if frame["event"] != nil {
            self.eventSink.yield(frame)
            return
        }
        guard let id = frame["id"]?.intValue else { return }  // e.g. the overloaded line has id null
        let continuation = self.waiting.withLockedValue { $0.replies.removeValue(forKey: id) }
        guard let continuation else { return }
        if frame["ok"] == .bool(true) {
            continuation.resume(returning: frame)
        } else {
            let error = frame["error"]?.objectValue
            continuation.resume(throwing: AgentdClientError.server(
                code: error?["code"]?.stringValue ?? "internal",
                message: error?["message"]?.stringValue ?? "no message"))
        }
    }

    /// The connection ended: every waiting request fails, the event stream finishes.
    func fail(_ error: AgentdClientError) {
        let orphans = self.waiting.withLockedValue { waiting -> [CheckedContinuation<JSONObject, any Error>] in
            if waiting.closed == nil { waiting.closed = error }
            defer { waiting.replies.removeAll() }
            return Array(waiting.replies.values)
        }
        for continuation in orphans {
            continuation.resume(throwing: error)
        }
        self.eventSink.finish()
    }
}
