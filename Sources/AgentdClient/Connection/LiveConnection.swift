import AgentCore
import NIOCore

/// One open channel to one server, with the requests waiting for its replies.
struct LiveConnection: Sendable {
    let channel: any Channel
    let replies: ReplyTable
    let server: ServerAddress

    /// Writes one request; `continuation` gets its reply (or the error that prevented it).
    func send(_ op: String, _ fields: JSONObject, kind: RequestKind, continuation: ReplyTable.Continuation) {
        switch self.replies.register(continuation, kind: kind) {
        case .failure(let error):
            continuation.resume(throwing: error)
        case .success(let id):
            var frame: JSONObject = ["op": .string(op), "id": .number(JSONNumber(id))]
            for (key, value) in fields {
                frame[key] = value
            }
            var buffer = self.channel.allocator.buffer(capacity: 128)
            buffer.writeBytes(JSONValue.object(frame).jsonBytes)
            buffer.writeInteger(UInt8(ascii: "\n"))
            let replies = self.replies
            self.channel.writeAndFlush(buffer).whenFailure { error in
                replies.abandon(id, error)
            }
        }
    }

    /// Sends one request and waits for its reply.
    func request(_ op: String, _ fields: JSONObject, kind: RequestKind) async throws -> JSONObject {
        try await withCheckedThrowingContinuation { continuation in
            self.send(op, fields, kind: kind, continuation: continuation)
        }
    }
}
