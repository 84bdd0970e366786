import AgentCore
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams

/// The durable store on Redis Streams, through the auto-pipelining `RedisClient`: commands from
/// all sessions submitted around the same time share one round trip.
///
/// Every operation that must be atomic is one Lua script (`RedisScripts`). A send with a
/// server-chosen id, no TTL and no delay is not: its `XADD` is the only step that matters, the
/// rest are counters and the wake-up. Wake-ups of other daemons go through pub/sub
/// (`RedisSubscriber`): one channel per inbox, subscribed while this daemon serves the agent.
public final class RedisStore: MessageStore {
    /// `"redis"`.
    public let backendName = "redis"
    /// This daemon's consumer name.
    public let daemonID: String

    let client: RedisClient
    let keys: RedisKeys
    let subscriber: RedisSubscriber
    /// Follows failovers when the master is found through Sentinel.
    let sentinelWatcher: SentinelWatcher?
    /// `WAIT`, sent after each send and task change when replicas must confirm them.
    let waitCommand: StoreCommand?
    let waitReplicas: Int
    /// A plain send's counters, the same every time: encoded once.
    private let countSent: StoreCommand
    private let countPending: StoreCommand
    /// Random per process: tells this run's lease from a previous run's with the same id.
    let instance = String(UInt64.random(in: .min ... .max), radix: 36)
    /// Streams whose consumer group this process has created (see `plainSend`).
    /// The consumer groups this process has made sure of: per inbox, one bit per priority
    /// (`deliveryRank`). Keyed by agent, so checking costs no key string per send.
    private let groupsCreated = NIOLockedValueBox<[String: UInt8]>([:])
    /// Inboxes recorded in `P:dinbox:<daemon>` (before this daemon's first take from each).
    let inboxesRecorded = NIOLockedValueBox<Set<String>>([])
    private let onWake = NIOLockedValueBox<Callback<String, Void>?>(nil)

    /// Where the store's Redis is and how to use it.
    public struct Settings: Sendable {
        /// Redis' address.
        public var host: String
        /// Redis' port.
        public var port: Int
        /// Longest wait for a connect or a reply (`store_timeout_ms`).
        public var timeoutMilliseconds: Int
        /// `AUTH` password, if any.
        public var password: String?
        /// ACL user name, with `password`.
        public var username: String?
        /// Database number (`SELECT`).
        public var database: Int
        /// Prefix of every key (`key_prefix`): the system.
        public var keyPrefix: String
        /// Sentinels to ask for the master (`redis_sentinels`, `redis_master_name`); when set,
        /// `host` and `port` are not used.
        public var sentinel: RedisSentinelConfiguration?
        /// Replicas that must have each send and task change before it is answered
        /// (`redis_wait_replicas`; Redis `WAIT`); 0 = do not wait.
        public var waitReplicas: Int

        /// Settings for the Redis at `host:port`, keys under `keyPrefix`.
        public init(
            host: String,
            port: Int,
            timeoutMilliseconds: Int = 2_000,
            password: String? = nil,
            username: String? = nil,
            database: Int = 0,
            keyPrefix: String = "agentd",
            sentinel: RedisSentinelConfiguration? = nil,
            waitReplicas: Int = 0
        ) {
            self.host = host
            self.port = port
            self.timeoutMilliseconds = timeoutMilliseconds
            self.password = password
            self.username = username
            self.database = database
            self.keyPrefix = keyPrefix
            self.sentinel = sentinel
            self.waitReplicas = waitReplicas
        }
    }

    /// Creates the store of daemon `daemonID` (connects on first use); `loop` carries its
    /// pub/sub connection.
    public init(settings: Settings, daemonID: String, loop: any EventLoop) {
        let redis = RedisConfiguration(
            host: settings.host,
            port: settings.port,
            timeout: .milliseconds(settings.timeoutMilliseconds),
            password: settings.password,
            username: settings.username,
            database: settings.database,
            sentinel: settings.sentinel
        )
        self.daemonID = daemonID
        let endpoint = RedisEndpoint(configuration: redis)
        var commands = redis
        commands.scripts = RedisScripts.all.map(\.source)
        self.client = RedisClient(configuration: commands, endpoint: endpoint)
        self.sentinelWatcher = SentinelWatcher(endpoint: endpoint, loop: loop)
        self.sentinelWatcher?.start()
        self.waitReplicas = settings.waitReplicas
        // Bounded below the store timeout: a WAIT that used all of it would trip the
        // connection's watchdog and fail the whole pipeline, not just this request.
        let waitMilliseconds = max(1, settings.timeoutMilliseconds * 3 / 4)
        self.waitCommand = settings.waitReplicas > 0
            ? .plain(RedisCommand("WAIT", String(settings.waitReplicas), String(waitMilliseconds))) : nil
        let keys = RedisKeys(prefix: settings.keyPrefix)
        self.keys = keys
        self.countSent = .plain(RedisCommand("HINCRBY", keys.stats, "sent", "1"))
        self.countPending = .plain(RedisCommand("HINCRBY", keys.stats, "pending", "1"))
        let onWake = self.onWake
        let me = Array(daemonID.utf8)
        self.subscriber = RedisSubscriber(
            configuration: redis,
            endpoint: endpoint,
            loop: loop,
            onMessage: { channel, payload in
                // Our own wake-ups: this daemon knew already.
                guard payload != me, let agent = keys.agent(ofWakeChannel: channel) else { return }
                onWake.withLockedValue { $0 }?.call(agent)
            },
            onSubscribed: { channel in
                guard let agent = keys.agent(ofWakeChannel: channel) else { return }
                onWake.withLockedValue { $0 }?.call(agent)
            }
        )
    }

    public func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest?,
        on loop: any EventLoop,
        completion: @escaping @Sendable (Result<SendResult, any Error>) -> Void
    ) {
        // One pipeline: the send, WAIT when replicas must confirm, then the take. The take's
        // commands may start with an SADD, so its answer is the last reply.
        var commands = self.sendCommands(message, dedupWindowMilliseconds: dedupWindowMilliseconds)
        let sendCount = commands.count
        if let wait = self.waitCommand { commands.append(wait) }
        if let take { commands += self.takeCommands(take) }
        self.call(commands, on: loop) { result in
            completion(Result {
                let replies = try result.get()
                let outcome = try Self.decodeSend(replies.prefix(sendCount))
                if self.waitCommand != nil { try self.checkWait(replies[sendCount]) }
                let taken = take.map { take in
                    Result<TakeResult, any Error> { try self.decodeTake(take, replies[replies.count - 1], on: loop) }
                }
                return SendResult(outcome: outcome, taken: taken)
            })
        }
    }

    /// The commands of a send. With a server-chosen id, no TTL and no delay, no script: the
    /// XADD, the counters and the wake-up go out as plain pipelined commands (a fraction of a
    /// script's cost in Redis). The consumer group is created once per stream and process; if
    /// it is lost (a Redis restart without persistence), the take script creates it again.
    private func sendCommands(_ message: NewMessage, dedupWindowMilliseconds: Int) -> [StoreCommand] {
        guard message.clientChosenID || message.delayMilliseconds != nil || message.ttlMilliseconds != nil else {
            var commands: [StoreCommand] = []
            commands.reserveCapacity(5)
            if self.groupCreated(message.recipient, message.priority) {
                let key = self.keys.stream(message.recipient, message.priority)
                commands.append(.plain(RedisCommand("XGROUP", "CREATE", key, "agentd", "0", "MKSTREAM")))
            }
            // Keys are written into the commands in parts: no key string is built per send.
            let recipient = message.recipient.utf8.count
            var xadd = RedisCommand(capacity: message.body.count + recipient + message.messageID.utf8.count + 96 + (message.correlationID?.utf8.count ?? 0))
            xadd.append("XADD")
            self.keys.appendStream(message.recipient, message.priority, to: &xadd)
            xadd.append("*")
            xadd.append("i")
            xadd.append(message.messageID)
            xadd.append("m")
            xadd.append(message.body)
            if let correlationID = message.correlationID {
                xadd.append("c")
                xadd.append(correlationID)
            }
            commands.append(.plain(xadd))
            commands.append(self.countSent)
            commands.append(self.countPending)
            var publish = RedisCommand(capacity: recipient + self.daemonID.utf8.count + 64)
            publish.append("PUBLISH")
            self.keys.appendWake(message.recipient, to: &publish)
            publish.append(self.daemonID)
            commands.append(.plain(publish))
            return commands
        }
        let key = self.keys.stream(message.recipient, message.priority)
        let wake = self.keys.wake(message.recipient)
        var tail = RedisCommand(capacity: message.body.count + 320 + (message.correlationID?.utf8.count ?? 0))
        tail.append(4)
        tail.append(key)
        tail.append(self.keys.dedup(message.messageID))
        tail.append(self.keys.stats)
        tail.append(self.keys.delayed(message.recipient))
        tail.append(message.sender)
        tail.append(dedupWindowMilliseconds)
        tail.append(message.body)
        tail.append(message.messageID)
        tail.append(message.ttlMilliseconds.map(String.init) ?? "")
        tail.append(message.delayMilliseconds.map(String.init) ?? "")
        tail.append(message.clientChosenID ? "1" : "0")
        tail.append(message.priority.deliveryRank + 1)
        tail.append(wake)
        tail.append(self.daemonID)
        tail.append(message.correlationID == nil ? "0" : "1")
        tail.append(message.correlationID ?? "")
        return [.script(RedisScripts.send, tail)]
    }

    /// Whether the consumer group of `agent`'s `priority` stream is to be created now: true
    /// the first time this process asks.
    private func groupCreated(_ agent: String, _ priority: Priority) -> Bool {
        let bit = UInt8(1) << UInt8(priority.deliveryRank)
        return self.groupsCreated.withLockedValue { created in
            let bits = created[agent, default: 0]
            guard bits & bit == 0 else { return false }
            created[agent] = bits | bit
            return true
        }
    }

    /// `WAIT`'s answer: how many replicas confirmed. Fewer than asked is `unavailable`: the
    /// write is on the master but may not survive a failover, and the client's retry (same
    /// `message_id`) is stored once.
    func checkWait(_ reply: RedisReply) throws {
        guard let confirmed = reply.int else {
            throw AgentdError.unavailable("store unavailable: WAIT failed: \(reply.errorMessage ?? "unexpected reply")")
        }
        guard confirmed >= self.waitReplicas else {
            throw AgentdError.unavailable(
                "stored on the Redis master but confirmed by \(confirmed) of \(self.waitReplicas) replicas in time; retry with the same message_id"
            )
        }
    }

    /// A send's replies: the script's answer, or plain commands that must not have failed.
    private static func decodeSend(_ replies: ArraySlice<RedisReply>) throws -> SendOutcome {
        if replies.count == 1, let only = replies.first, only.errorMessage == nil {
            switch only.int {
            case 0?: return .stored
            case 1?: return .duplicate
            case 2?: return .conflict
            default: throw Self.unexpected("send", only)
            }
        }
        for reply in replies {
            // BUSYGROUP: the group was there already, which is fine.
            if let message = reply.errorMessage, !message.hasPrefix("BUSYGROUP") {
                throw AgentdError.internal(cause: RedisStoreError(message: "send: \(message)"))
            }
        }
        return .stored
    }

    public func isStored(messageID: String, sender: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        self.call([.plain(RedisCommand("GET", self.keys.dedup(messageID)))], on: loop).map { replies in
            replies[0].string == sender
        }
    }

    public func take(_ request: TakeRequest, on loop: any EventLoop) -> EventLoopFuture<TakeResult> {
        let promise = loop.makePromise(of: TakeResult.self)
        self.call(self.takeCommands(request), on: loop) { result in
            promise.completeWith(Result {
                let replies = try result.get()
                return try self.decodeTake(request, replies[replies.count - 1], on: loop)
            })
        }
        return promise.futureResult
    }

    /// The take's commands, after recording the inbox among this daemon's (once per inbox and
    /// process: if the daemon dies, its takeover looks there for what it had delivered).
    /// A take of everything is the take script; a take of one priority's unread messages is a
    /// plain `XREADGROUP` (see `TakeRequest.Scope.unread`).
    private func takeCommands(_ request: TakeRequest) -> [StoreCommand] {
        var commands: [StoreCommand] = []
        if self.inboxesRecorded.withLockedValue({ $0.insert(request.inbox).inserted }) {
            commands.append(.plain(RedisCommand("SADD", self.keys.daemonInboxes(self.daemonID), request.inbox)))
        }
        switch request.scope {
        case .unread(let priority):
            var read = RedisCommand("XREADGROUP", "GROUP", "agentd", self.daemonID, "COUNT")
            read.append(request.limit)
            read.append("STREAMS")
            self.keys.appendStream(request.inbox, priority, to: &read)
            read.append(">")
            commands.append(.plain(read))
        case .all:
            var tail = self.inboxScriptKeys(request.inbox)
            tail.append(request.limit)
            tail.append(self.daemonID)
            commands.append(.script(RedisScripts.take, tail))
        }
        return commands
    }

    /// The key count and keys of the scripts that read a whole inbox (`take`, `replies`): its
    /// four streams in delivery order, retry set, delayed set, and the stats hash.
    func inboxScriptKeys(_ inbox: String) -> RedisCommand {
        var tail = RedisCommand()
        tail.append(7)
        for key in self.keys.streams(inbox) { tail.append(key) }
        tail.append(self.keys.retries(inbox))
        tail.append(self.keys.delayed(inbox))
        tail.append(self.keys.stats)
        return tail
    }

    /// A take's answer. A plain read's bookkeeping, which the script does inside Redis, follows
    /// it as commands of their own, not waited for: the `delivered` count, and the removal of
    /// entries found past their TTL. (If the daemon dies
    /// first, the count misses them; an expired entry stays in its pending list, and the
    /// takeover expires it.)
    private func decodeTake(_ request: TakeRequest, _ reply: RedisReply, on loop: any EventLoop) throws -> TakeResult {
        guard case .unread(let priority) = request.scope else { return try Self.decodeTake(reply) }
        if let message = reply.errorMessage {
            // NOGROUP: Redis lost the group (a restart without persistence). Nothing was read;
            // the engine's next take is the script, which creates the group again.
            guard message.hasPrefix("NOGROUP") else {
                throw AgentdError.internal(cause: RedisStoreError(message: "take: \(message)"))
            }
            return TakeResult(taken: [], expired: 0, exhausted: false, retryInMilliseconds: nil)
        }
        let entries = try StreamReplies.read(reply)
        let now = WallClock.nowMilliseconds()
        var taken: [TakenMessage] = []
        taken.reserveCapacity(entries.count)
        var expired: [String] = []
        for entry in entries {
            guard let entryID = EntryID(entry.id) else { throw Self.unexpected("take", reply) }
            // The expiry was set from Redis' clock; this daemon's may differ by its skew.
            if let expiry = entry.field("x").flatMap({ Int64(String(decoding: $0, as: UTF8.self)) }), expiry <= now {
                expired.append(entry.id)
                continue
            }
            let messageID = entry.field("i").map { String(decoding: $0, as: UTF8.self) } ?? ""
            taken.append(TakenMessage(ref: EntryRef(priority: priority, entryID: entryID), messageID: messageID, body: entry.field("m") ?? [], attempt: 1))
        }
        var bookkeeping: [StoreCommand] = []
        if !taken.isEmpty {
            var delivered = RedisCommand("HINCRBY", self.keys.stats, "delivered")
            delivered.append(taken.count)
            bookkeeping.append(.plain(delivered))
        }
        if !expired.isEmpty {
            let key = self.keys.stream(request.inbox, priority)
            bookkeeping.append(.plain(RedisCommand("XACK", arguments: [key, "agentd"] + expired)))
            bookkeeping.append(.plain(RedisCommand("XDEL", arguments: [key] + expired)))
            var count = RedisCommand("HINCRBY", self.keys.stats, "expired")
            count.append(expired.count)
            bookkeeping.append(.plain(count))
            var pending = RedisCommand("HINCRBY", self.keys.stats, "pending")
            pending.append(-expired.count)
            bookkeeping.append(.plain(pending))
        }
        if !bookkeeping.isEmpty {
            // After what this answer is for (the push, the send's reply) has gone out: a write
            // to Redis now would come first on the wire and wake Redis ahead of it.
            let commands = bookkeeping
            loop.execute { _ = self.call(commands, on: loop) }
        }
        return TakeResult(taken: taken, expired: expired.count, exhausted: entries.count < request.limit, retryInMilliseconds: nil)
    }

    static func decodeTake(_ reply: RedisReply) throws -> TakeResult {
        if let message = reply.errorMessage {
            throw AgentdError.internal(cause: RedisStoreError(message: "script take: \(message)"))
        }
        guard let items = reply.array, items.count >= 3 else {
            throw Self.unexpected("take", reply)
        }
        var result = TakeResult(
            taken: [],
            expired: Int(items[0].int ?? 0),
            exhausted: items[1].int == 1,
            retryInMilliseconds: items[2].string.flatMap { Int64($0) }
        )
        result.taken.reserveCapacity(items.count - 3)
        for item in items.dropFirst(3) {
            guard let packed = item.bytes, let message = Self.takenMessage(packed) else {
                throw Self.unexpected("take", reply)
            }
            result.taken.append(message)
        }
        return result
    }

    /// One message of the take script's answer: `rank attempt entry-id id-length message-id`
    /// with the body right after the message id; nil when malformed.
    static func takenMessage(_ packed: [UInt8]) -> TakenMessage? {
        var index = packed.startIndex
        /// The bytes up to the next space, which is skipped.
        func field() -> ArraySlice<UInt8>? {
            guard let space = packed[index...].firstIndex(of: UInt8(ascii: " ")) else { return nil }
            defer { index = space + 1 }
            return packed[index..<space]
        }
        func number() -> Int? {
            guard let digits = field(), !digits.isEmpty, digits.count <= 18 else { return nil }
            var value = 0
            for digit in digits {
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(digit - UInt8(ascii: "0"))
            }
            return value
        }
        guard let rank = number(), rank >= 1, rank <= 4, let attempt = number(),
            let id = field(), let entryID = EntryID(utf8: id),
            let length = number(), length <= packed.endIndex - index
        else { return nil }
        let messageID = String(decoding: packed[index..<(index + length)], as: UTF8.self)
        return TakenMessage(
            ref: EntryRef(priority: Priority.deliveryOrder[rank - 1], entryID: entryID),
            messageID: messageID,
            body: Array(packed[(index + length)...]),
            attempt: max(1, attempt)
        )
    }

    public func ack(inbox: String, refs: [EntryRef], on loop: any EventLoop) -> EventLoopFuture<Int> {
        // The ids grouped by stream, streams in delivery order.
        var counts = PriorityCounts()
        for ref in refs { counts[ref.priority] += 1 }
        let streams = Priority.deliveryOrder.filter { counts[$0] > 0 }
        var tail = RedisCommand(capacity: refs.count * 40 + streams.count * (inbox.utf8.count + 40) + 64)
        tail.append(streams.count + 1)
        for priority in streams { self.keys.appendStream(inbox, priority, to: &tail) }
        tail.append(self.keys.stats)
        for priority in streams {
            tail.append(counts[priority])
            for ref in refs where ref.priority == priority { tail.append(ref.entryID.description) }
        }
        let promise = loop.makePromise(of: Int.self)
        self.call([.script(RedisScripts.ack, tail)], on: loop) { result in
            promise.completeWith(Result {
                let reply = try result.get()[0]
                if let message = reply.errorMessage {
                    throw AgentdError.internal(cause: RedisStoreError(message: "script \(RedisScripts.ack.name): \(message)"))
                }
                return Int(reply.int ?? 0)
            })
        }
        return promise.futureResult
    }

    public func release(inbox: String, entries: [ReleasedEntry], on loop: any EventLoop) -> EventLoopFuture<Int> {
        guard !entries.isEmpty else { return loop.makeSucceededFuture(0) }
        var tail = RedisCommand()
        tail.append(5)
        for key in self.keys.streams(inbox) { tail.append(key) }
        tail.append(self.keys.retries(inbox))
        tail.append(self.daemonID)
        tail.append(self.keys.wake(inbox))
        for entry in entries {
            tail.append(entry.ref.priority.deliveryRank + 1)
            tail.append(entry.ref.entryID.description)
            tail.append(entry.delayMilliseconds)
            tail.append(entry.deliveries)
            tail.append(entry.keepsWaiting ? "1" : "0")
        }
        return self.call([.script(RedisScripts.release, tail)], on: loop).flatMapThrowing { replies in
            guard let count = replies[0].int else { throw Self.unexpected("release", replies[0]) }
            return Int(count)
        }
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
        suffix.writeTimestamp(reason.at)
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
        return self.call([.plain(command)], on: loop).flatMapThrowing { replies in
            let entries = try StreamReplies.entries(replies[0])
            return entries.compactMap { entry in entry.field("j").map(DeadLetter.init(json:)) }
        }
    }

    public func requeueDead(inbox: String, messageIDs: [String], on loop: any EventLoop) -> EventLoopFuture<Int> {
        let keys = [self.keys.dead(inbox), self.keys.deadIndex(inbox), self.keys.stats] + self.keys.streams(inbox)
        let arguments = [Array(self.keys.wake(inbox).utf8), Array(self.daemonID.utf8)] + messageIDs.map { Array($0.utf8) }
        return self.run(RedisScripts.requeueDead, keys: keys, arguments: arguments, on: loop).map { Int($0.int ?? 0) }
    }

    public func pending(inbox: String, on loop: any EventLoop) -> EventLoopFuture<[RecoveredEntry]> {
        var commands: [StoreCommand] = []
        for priority in Priority.deliveryOrder {
            var command = RedisCommand("XPENDING", self.keys.stream(inbox, priority), "agentd", "-", "+")
            // Far beyond any sane in-flight count of one inbox; bounds the reply.
            command.append(100_000)
            command.append(self.daemonID)
            commands.append(.plain(command))
        }
        return self.call(commands, on: loop).map { replies in
            var pending: [RecoveredEntry] = []
            for (reply, priority) in zip(replies, Priority.deliveryOrder) {
                // A missing stream or group answers with an error: nothing pending there.
                guard let entries = try? StreamReplies.pending(reply) else { continue }
                for entry in entries {
                    guard let id = EntryID(entry.id) else { continue }
                    pending.append(RecoveredEntry(ref: EntryRef(priority: priority, entryID: id), deliveries: Int(entry.deliveries)))
                }
            }
            return pending
        }
    }

    public func counters(on loop: any EventLoop) -> EventLoopFuture<StoreCounters> {
        self.call([.plain(RedisCommand("HGETALL", self.keys.stats))], on: loop).map { replies in
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
        self.call([.plain(RedisCommand("PING"))], on: loop).map { _ in () }
    }

    public func startWatching(_ onWake: @escaping @Sendable (String) -> Void) {
        self.onWake.withLockedValue { $0 = Callback(onWake) }
    }

    public func watch(_ inbox: String) {
        self.subscriber.subscribe([self.keys.wake(inbox)])
    }

    public func unwatch(_ inbox: String) {
        self.subscriber.unsubscribe([self.keys.wake(inbox)])
    }

    public func shutdown() {
        self.sentinelWatcher?.shutdown()
        self.subscriber.shutdown()
        self.client.shutdown()
    }
}

/// A reply the store did not expect; logged, sent as `internal`.
struct RedisStoreError: Error, Sendable, CustomStringConvertible {
    let message: String
    var description: String { self.message }
}
