import AgentCore
import NIOCore
import RedisStreams

/// Finding the replies waiting `request`s look for (see `RedisScripts.takeReplies`).
extension RedisStore {
    public func takeReplies(_ request: ReplyTakeRequest, on loop: any EventLoop) -> EventLoopFuture<ReplyTakeResult> {
        guard !request.correlationIDs.isEmpty else { return loop.makeSucceededFuture(ReplyTakeResult(replies: [], retryInMilliseconds: nil)) }
        var tail = self.inboxScriptKeys(request.inbox)
        tail.append(RedisScripts.replyScan)
        for id in request.correlationIDs { tail.append(id) }
        return self.run(RedisScripts.takeReplies, tail, on: loop).flatMapThrowing { reply in
            try Self.decodeReplies(reply)
        }
    }

    static func decodeReplies(_ reply: RedisReply) throws -> ReplyTakeResult {
        guard let items = reply.array, items.count % 6 == 1 else { throw Self.unexpected("replies", reply) }
        var found: [TakenReply] = []
        var index = 1
        while index < items.count {
            let rank = Int(items[index + 1].int ?? 0) - 1
            guard let correlationID = items[index].string, rank >= 0, rank < 4,
                let text = items[index + 2].string, let entryID = EntryID(text)
            else {
                throw Self.unexpected("replies", reply)
            }
            let message = TakenMessage(
                ref: EntryRef(priority: Priority.deliveryOrder[rank], entryID: entryID),
                messageID: items[index + 3].string ?? "",
                body: items[index + 4].bytes ?? [],
                attempt: 1
            )
            found.append(TakenReply(correlationID: correlationID, message: message, expiresAt: items[index + 5].string.flatMap { Int64($0) }))
            index += 6
        }
        return ReplyTakeResult(replies: found, retryInMilliseconds: items[0].string.flatMap { Int64($0) })
    }

    public func putBack(_ reply: TakenReply, inbox: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let keys = [self.keys.stream(inbox, reply.message.ref.priority), self.keys.stats]
        let arguments: [[UInt8]] = [
            Array(reply.message.messageID.utf8), reply.message.body, Array((reply.expiresAt.map(String.init) ?? "").utf8),
            Array(reply.correlationID.utf8), Array(self.keys.wake(inbox).utf8), Array(self.daemonID.utf8),
        ]
        return self.run(RedisScripts.putBack, keys: keys, arguments: arguments, on: loop).map { _ in () }
    }
}
