import AgentCore
import AgentdConfig
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams

/// The durable store on Redis Streams, through the auto-pipelining `RedisClient`: commands from
/// all sessions submitted around the same time share one round trip.
///
/// Every operation that must be atomic is one Lua script (`RedisScripts`). A send with a
/// server-chosen id is not: its `XADD` is the only step that matters, the rest are counters.
public final class RedisStore: MessageStore, RecordStore {
    /// `"redis"`.
    public let backendName = "redis"

    let client: RedisClient
    let keys: RedisKeys
    /// SHA1s of loaded scripts by name; EVALSHA saves sending the source with every call.
    let shas = NIOLockedValueBox<[String: String]>([:])
    /// Streams whose consumer group this process has created (see `plainSend`).
    private let groupsCreated = NIOLockedValueBox<Set<String>>([])

    /// Creates a store for the configured Redis server (connects on first use).
    public init(configuration: AgentdConfiguration) {
        let redis = RedisConfiguration(
            host: configuration.redis.host,
            port: configuration.redis.port,
            timeout: .milliseconds(configuration.storeTimeoutMilliseconds),
            password: configuration.redisAuth.password,
            username: configuration.redisAuth.username,
            database: configuration.redisAuth.database
        )
        self.client = RedisClient(configuration: redis)
        self.keys = RedisKeys(prefix: configuration.keyPrefix)
    }

    public func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        on loop: any EventLoop
    ) -> EventLoopFuture<SendOutcome> {
        if let commands = self.plainSend(message) {
            return self.call(commands, on: loop).flatMapThrowing { try Self.decodePlainSend($0[...]) }
        }
        let tail = self.sendTail(message, dedupWindowMilliseconds: dedupWindowMilliseconds)
        return self.run(RedisScripts.send, tail, on: loop).flatMapThrowing(Self.decodeSend)
    }

    /// A send with a server-chosen id and no delay needs no dedup check, so no script: the
    /// XADD and the counters go out as plain pipelined commands (a fraction of a script's
    /// cost in Redis). The consumer group is created once per stream and process; if it is
    /// lost (a Redis restart without persistence), the take script creates it again.
    private func plainSend(_ message: NewMessage) -> [RedisCommand]? {
        guard !message.clientChosenID, message.dueAt == nil else { return nil }
        let key = self.keys.stream(message.recipient, message.priority)
        var commands: [RedisCommand] = []
        commands.reserveCapacity(5)
        if self.groupsCreated.withLockedValue({ $0.insert(key).inserted }) {
            commands.append(RedisCommand("XGROUP", "CREATE", key, "agentd", "0", "MKSTREAM"))
        }
        var xadd = RedisCommand(capacity: message.body.count + key.utf8.count + message.messageID.utf8.count + 64)
        xadd.append("XADD")
        xadd.append(key)
        xadd.append("*")
        xadd.append("i")
        xadd.append(message.messageID)
        xadd.append("m")
        xadd.append(message.body)
        if let expiry = message.expiresAt {
            xadd.append("x")
            xadd.append(expiry)
        }
        commands.append(xadd)
        // Every time, not once: recovery after a crash finds inboxes through this set.
        commands.append(RedisCommand("SADD", self.keys.inboxes, message.recipient))
        commands.append(RedisCommand("HINCRBY", self.keys.stats, "sent", "1"))
        commands.append(RedisCommand("HINCRBY", self.keys.stats, "pending", "1"))
        return commands
    }

    private static func decodePlainSend(_ replies: ArraySlice<RedisReply>) throws -> SendOutcome {
        for reply in replies {
            // BUSYGROUP: the group was there already, which is fine.
            if let message = reply.errorMessage, !message.hasPrefix("BUSYGROUP") {
                throw AgentdError.internal(cause: RedisStoreError(message: "send: \(message)"))
            }
        }
        return .stored
    }

    public func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest,
        on loop: any EventLoop
    ) -> EventLoopFuture<(SendOutcome, Result<TakeResult, any Error>)> {
        let takeTail = self.takeTail(take)
        if let plain = self.plainSend(message), let takeSHA = self.shas.withLockedValue({ $0[RedisScripts.take.name] }) {
            return self.call(plain + [Self.evalSHA(takeSHA, takeTail)], on: loop).flatMap { replies in
                let takeReply = replies[replies.count - 1]
                let outcome: SendOutcome
                do {
                    outcome = try Self.decodePlainSend(replies.dropLast())
                } catch {
                    let taken = Result<TakeResult, any Error> {
                        try Self.decodeTake(try Self.checkedReply(takeReply, RedisScripts.take.name))
                    }
                    return loop.makeFailedFuture(SendAlongsideTakeError(send: error, take: taken))
                }
                guard !takeReply.isNoScriptError else {
                    // Redis lost its scripts (a restart): the send is done; take again by source.
                    self.shas.withLockedValue { $0.removeAll() }
                    return self.run(RedisScripts.take, takeTail, on: loop).flatMapThrowing(Self.decodeTake)
                        .map { (outcome, .success($0)) }
                        .recover { (outcome, .failure($0)) }
                }
                let taken = Result<TakeResult, any Error> {
                    try Self.decodeTake(try Self.checkedReply(takeReply, RedisScripts.take.name))
                }
                return loop.makeSucceededFuture((outcome, taken))
            }
        }
        let sendTail = self.sendTail(message, dedupWindowMilliseconds: dedupWindowMilliseconds)
        let shas = self.shas.withLockedValue { ($0[RedisScripts.send.name], $0[RedisScripts.take.name]) }
        guard let sendSHA = shas.0, let takeSHA = shas.1 else {
            // Scripts not loaded yet (first use): two ordinary calls, still in submission order.
            let sent = self.run(RedisScripts.send, sendTail, on: loop).flatMapThrowing(Self.decodeSend)
            let taken = self.run(RedisScripts.take, takeTail, on: loop).flatMapThrowing(Self.decodeTake)
            return sent.flatMap { outcome in
                taken.map { (outcome, .success($0)) }.recover { (outcome, .failure($0)) }
            }
        }
        let commands = [Self.evalSHA(sendSHA, sendTail), Self.evalSHA(takeSHA, takeTail)]
        return self.call(commands, on: loop).flatMap { replies in
            if replies[0].isNoScriptError || replies[1].isNoScriptError {
                // Redis lost its scripts: forget them and go the slow way once.
                self.shas.withLockedValue { $0.removeAll() }
                return self.send(message, dedupWindowMilliseconds: dedupWindowMilliseconds, thenTake: take, on: loop)
            }
            let taken = Result<TakeResult, any Error> {
                try Self.decodeTake(try Self.checkedReply(replies[1], RedisScripts.take.name))
            }
            do {
                let outcome = try Self.decodeSend(try Self.checkedReply(replies[0], RedisScripts.send.name))
                return loop.makeSucceededFuture((outcome, taken))
            } catch {
                return loop.makeFailedFuture(SendAlongsideTakeError(send: error, take: taken))
            }
        }
    }

    private func sendTail(_ message: NewMessage, dedupWindowMilliseconds: Int) -> RedisCommand {
        var tail = RedisCommand(capacity: message.body.count + 320)
        tail.append(6)
        tail.append(self.keys.stream(message.recipient, message.priority))
        tail.append(self.keys.dedup(message.messageID))
        tail.append(self.keys.stats)
        tail.append(self.keys.inboxes)
        tail.append(self.keys.delayed)
        tail.append(self.keys.delayedMessages)
        tail.append(message.sender)
        tail.append(dedupWindowMilliseconds)
        tail.append(message.body)
        tail.append(message.messageID)
        tail.append(message.expiresAt.map(String.init) ?? "")
        tail.append(message.dueAt.map(String.init) ?? "")
        tail.append(message.recipient)
        tail.append(message.clientChosenID ? "1" : "0")
        return tail
    }

    private static func decodeSend(_ reply: RedisReply) throws -> SendOutcome {
        switch reply.int {
        case 0?: return .stored
        case 1?: return .duplicate
        case 2?: return .conflict
        default: throw Self.unexpected("send", reply)
        }
    }

    public func take(_ request: TakeRequest, on loop: any EventLoop) -> EventLoopFuture<TakeResult> {
        self.run(RedisScripts.take, self.takeTail(request), on: loop).flatMapThrowing(Self.decodeTake)
    }

    private func takeTail(_ request: TakeRequest) -> RedisCommand {
        var tail = RedisCommand()
        tail.append(5)
        for key in self.keys.streams(request.inbox) { tail.append(key) }
        tail.append(self.keys.stats)
        tail.append(request.limit)
        tail.append(request.now)
        for priority in Priority.deliveryOrder {
            let ids = request.retries[priority] ?? []
            tail.append(ids.map(\.description).joined(separator: ","))
        }
        return tail
    }

    static func decodeTake(_ reply: RedisReply) throws -> TakeResult {
        guard let items = reply.array, items.count >= 2, (items.count - 2) % 5 == 0 else {
            throw Self.unexpected("take", reply)
        }
        var result = TakeResult(
            taken: [],
            dropped: [],
            expired: Int(items[0].int ?? 0),
            exhausted: items[1].int == 1
        )
        var index = 2
        while index < items.count {
            let kind = items[index].string ?? ""
            let rank = Int(items[index + 1].int ?? 0) - 1
            guard rank >= 0, rank < 4, let text = items[index + 2].string, let entryID = EntryID(text) else {
                throw Self.unexpected("take", reply)
            }
            let ref = EntryRef(priority: Priority.deliveryOrder[rank], entryID: entryID)
            switch kind {
            case "d":
                result.dropped.append(ref)
            default:
                let messageID = items[index + 3].string ?? ""
                let body = items[index + 4].bytes ?? []
                result.taken.append(TakenMessage(ref: ref, messageID: messageID, body: body, isRetry: kind == "r"))
            }
            index += 5
        }
        return result
    }

    public func ack(inbox: String, refs: [EntryRef], on loop: any EventLoop) -> EventLoopFuture<Int> {
        var tail = RedisCommand()
        tail.append(refs.count + 1)
        for ref in refs { tail.append(self.keys.stream(inbox, ref.priority)) }
        tail.append(self.keys.stats)
        for ref in refs { tail.append(ref.entryID.description) }
        return self.run(RedisScripts.ack, tail, on: loop).map { Int($0.int ?? 0) }
    }

    public func deadLetter(
        inbox: String,
        ref: EntryRef,
        reason: DeadLetterReason,
        on loop: any EventLoop
    ) -> EventLoopFuture<Void> {
        var suffix = JSONWriter(capacity: 96)
        suffix.writeRaw("\"dead\":{\"reason\":")
        suffix.writeString(reason.reason)
        suffix.writeRaw(",\"attempts\":")
        suffix.writeInt(reason.attempts)
        suffix.writeRaw(",\"at\":\"")
        suffix.writeRaw(reason.at.rfc3339Bytes)
        suffix.writeRaw("\"}")
        let keys = [
            self.keys.stream(inbox, ref.priority), self.keys.dead(inbox), self.keys.deadIndex(inbox), self.keys.stats,
        ]
        let arguments = [Array(ref.entryID.description.utf8), Array(ref.priority.rawValue.utf8), suffix.bytes]
        return self.run(RedisScripts.deadLetter, keys: keys, arguments: arguments, on: loop).map { _ in () }
    }

    public func deadLetters(inbox: String, limit: Int, on loop: any EventLoop) -> EventLoopFuture<[DeadLetter]> {
        var command = RedisCommand("XRANGE", self.keys.dead(inbox), "-", "+", "COUNT")
        command.append(limit)
        return self.call([command], on: loop).flatMapThrowing { replies in
            let entries = try StreamReplies.entries(replies[0])
            return entries.compactMap { entry in entry.field("j").map(DeadLetter.init(json:)) }
        }
    }

    public func requeueDead(inbox: String, messageIDs: [String], on loop: any EventLoop) -> EventLoopFuture<Int> {
        let keys = [self.keys.dead(inbox), self.keys.deadIndex(inbox), self.keys.stats, self.keys.inboxes]
            + self.keys.streams(inbox)
        let arguments = [Array(inbox.utf8)] + messageIDs.map { Array($0.utf8) }
        return self.run(RedisScripts.requeueDead, keys: keys, arguments: arguments, on: loop).map { Int($0.int ?? 0) }
    }

    public func promoteDue(now: Int64, on loop: any EventLoop) -> EventLoopFuture<PromotionResult> {
        let keys = [self.keys.delayed, self.keys.delayedMessages, self.keys.inboxes]
        // 1 000 per round bounds the script's run time; the next due time brings the rest.
        let arguments = [Array(String(now).utf8), Array("1000".utf8)]
        return self.run(RedisScripts.promote, keys: keys, arguments: arguments, on: loop).flatMapThrowing { reply in
            guard let items = reply.array, let first = items.first else { throw Self.unexpected("promote", reply) }
            let next = first.string.flatMap { Double($0) }.map { Int64($0) }
            let inboxes = Set(items.dropFirst().compactMap(\.string))
            // More than one round's worth due: come back at once.
            return PromotionResult(inboxes: inboxes, nextDue: items.count > 1_000 ? now : next)
        }
    }

    public func recover(
        on loop: any EventLoop
    ) -> EventLoopFuture<(inFlight: [String: [RecoveredEntry]], nextDue: Int64?)> {
        let members = self.call([RedisCommand("SMEMBERS", self.keys.inboxes), RedisCommand("ZRANGE", self.keys.delayed, "0", "0", "WITHSCORES")], on: loop)
        return members.flatMap { replies in
            let inboxes = (replies[0].array ?? []).compactMap(\.string)
            let delayed = replies[1].array ?? []
            let nextDue = delayed.count == 2 ? delayed[1].string.flatMap { Double($0) }.map { Int64($0) } : nil
            return self.pending(inboxes: inboxes, on: loop).map { (inFlight: $0, nextDue: nextDue) }
        }
    }

    public func pending(inbox: String, on loop: any EventLoop) -> EventLoopFuture<[RecoveredEntry]> {
        self.pending(inboxes: [inbox], on: loop).map { $0[inbox] ?? [] }
    }

    /// `XPENDING` of every priority stream of `inboxes`, in one round trip.
    private func pending(inboxes: [String], on loop: any EventLoop) -> EventLoopFuture<[String: [RecoveredEntry]]> {
        var commands: [RedisCommand] = []
        var slots: [(String, Priority)] = []
        for inbox in inboxes {
            for priority in Priority.deliveryOrder {
                var command = RedisCommand("XPENDING", self.keys.stream(inbox, priority), "agentd", "-", "+")
                // Far beyond any sane in-flight count of one inbox; bounds the reply.
                command.append(100_000)
                commands.append(command)
                slots.append((inbox, priority))
            }
        }
        guard !commands.isEmpty else {
            return loop.makeSucceededFuture([:])
        }
        let streams = slots
        return self.call(commands, on: loop).map { replies in
            var pending: [String: [RecoveredEntry]] = [:]
            for (reply, (inbox, priority)) in zip(replies, streams) {
                // A missing stream or group answers with an error: nothing pending there.
                guard let entries = try? StreamReplies.pending(reply) else { continue }
                for entry in entries {
                    guard let id = EntryID(entry.id) else { continue }
                    pending[inbox, default: []].append(
                        RecoveredEntry(ref: EntryRef(priority: priority, entryID: id), deliveries: Int(entry.deliveries))
                    )
                }
            }
            return pending
        }
    }

    public func counters(on loop: any EventLoop) -> EventLoopFuture<StoreCounters> {
        self.call([RedisCommand("HGETALL", self.keys.stats)], on: loop).map { replies in
            var counters = StoreCounters()
            let items = replies[0].array ?? []
            var index = 0
            while index + 1 < items.count {
                let value = items[index + 1].int ?? 0
                switch items[index].string {
                case "sent": counters.sent = value
                case "delivered": counters.delivered = value
                case "acked": counters.acked = value
                case "expired": counters.expired = value
                case "pending": counters.pending = value
                case "dead": counters.dead = value
                default: break
                }
                index += 2
            }
            return counters
        }
    }

    public func ping(on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.call([RedisCommand("PING")], on: loop).map { _ in () }
    }

    public func shutdown() {
        self.client.shutdown()
    }

}

/// The send of a send-and-take failed on its own; the take's result still has to reach the
/// delivery engine.
struct SendAlongsideTakeError: Error, @unchecked Sendable {  // @unchecked: `take` holds `any Error`, all Sendable here
    let send: any Error
    let take: Result<TakeResult, any Error>
}

/// A reply the store did not expect; logged, sent as `internal`.
struct RedisStoreError: Error, Sendable, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}
