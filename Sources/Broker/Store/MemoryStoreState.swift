import AgentCore

/// The data of `MemoryStore`; mutated only under its lock.
struct MemoryStoreState {
    struct Entry {
        var messageID: String
        var body: [UInt8]
        var expiresAt: Int64?
        var correlationID: String? = nil
    }

    /// One priority queue of one inbox, modelled on a Redis stream with one consumer group.
    struct Stream {
        var entries: [EntryID: Entry] = [:]
        /// Unread ids, oldest first (appends keep it sorted).
        var unread: [EntryID] = []
        var unreadHead = 0
        /// Delivered and not acked: id → deliveries.
        var pending: [EntryID: Int] = [:]

        mutating func popUnread() -> EntryID? {
            guard self.unreadHead < self.unread.count else { return nil }
            let id = self.unread[self.unreadHead]
            self.unreadHead += 1
            // Compact now and then so a long-lived queue does not grow without bound.
            if self.unreadHead > 1_024 && self.unreadHead * 2 > self.unread.count {
                self.unread.removeFirst(self.unreadHead)
                self.unreadHead = 0
            }
            return id
        }
    }

    struct Delayed {
        var due: Int64
        var message: NewMessage
    }

    /// A released delivery waiting for its next attempt (the Redis store's retry set).
    struct Retry {
        var due: Int64
        var ref: EntryRef
    }

    let clock: @Sendable () -> Int64
    var streams: [String: [Priority: Stream]] = [:]
    var dedup: [String: (sender: String, until: Int64)] = [:]
    var dead: [String: [(messageID: String, priority: Priority, body: [UInt8], json: [UInt8])]] = [:]
    /// Per inbox, sorted by due time, then arrival.
    var delayed: [String: [Delayed]] = [:]
    /// Per inbox, in release order.
    var retries: [String: [Retry]] = [:]
    var counters = StoreCounters()
    var sequence: UInt64 = 0

    init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
    }

    /// Whether `sender` stored `messageID` within the dedup window.
    func isStored(messageID: String, sender: String) -> Bool {
        guard let seen = self.dedup[messageID] else { return false }
        return seen.sender == sender && seen.until > self.clock()
    }

    mutating func send(_ message: NewMessage, dedupWindow: Int64) -> SendOutcome {
        let now = self.clock()
        if message.clientChosenID {
            if let seen = self.dedup[message.messageID], seen.until > now {
                return seen.sender == message.sender ? .duplicate : .conflict
            }
            self.dedup[message.messageID] = (message.sender, now + dedupWindow)
            if self.dedup.count > 4_096 && self.dedup.count.isMultiple(of: 1_024) {
                self.dedup = self.dedup.filter { $0.value.until > now }
            }
        }
        var message = message
        if let ttl = message.ttlMilliseconds {
            // Kept absolute from here on, as the Redis store keeps its `x` field.
            message.ttlMilliseconds = now + ttl
        }
        if let delay = message.delayMilliseconds, delay > 0 {
            let due = now + delay
            var list = self.delayed[message.recipient, default: []]
            let index = list.firstIndex { $0.due > due } ?? list.endIndex
            list.insert(Delayed(due: due, message: message), at: index)
            self.delayed[message.recipient] = list
        } else {
            self.append(message)
        }
        self.counters.sent += 1
        self.counters.pending += 1
        return .stored
    }

    private mutating func append(_ message: NewMessage) {
        self.sequence += 1
        let id = EntryID(high: 0, low: self.sequence)
        let entry = Entry(
            messageID: message.messageID,
            body: message.body,
            expiresAt: message.ttlMilliseconds,
            correlationID: message.correlationID
        )
        self.streams[message.recipient, default: [:]][message.priority, default: Stream()].entries[id] = entry
        self.streams[message.recipient, default: [:]][message.priority, default: Stream()].unread.append(id)
    }

    /// Delayed sends whose time has come join the inbox.
    private mutating func moveDueDelayed(_ inbox: String, now: Int64) {
        if var delayed = self.delayed[inbox] {
            let due = delayed.prefix { $0.due <= now }
            for item in due { self.append(item.message) }
            delayed.removeFirst(due.count)
            self.delayed[inbox] = delayed.isEmpty ? nil : delayed
        }
    }

    mutating func takeReplies(_ request: ReplyTakeRequest, scan: Int) -> ReplyTakeResult {
        let now = self.clock()
        self.moveDueDelayed(request.inbox, now: now)
        let next = self.delayed[request.inbox]?.first.map { max(0, $0.due - now) }
        var wanted = Set(request.correlationIDs)
        var found: [TakenReply] = []
        guard var inbox = self.streams[request.inbox] else { return ReplyTakeResult(replies: [], retryInMilliseconds: next) }
        for priority in Priority.deliveryOrder where !wanted.isEmpty {
            guard var stream = inbox[priority] else { continue }
            // The newest `scan` entries, oldest first, of those still unread.
            let unread = stream.unread[stream.unreadHead...].suffix(scan)
            for id in unread {
                guard let entry = stream.entries[id], let correlationID = entry.correlationID, wanted.contains(correlationID) else {
                    continue
                }
                wanted.remove(correlationID)
                // Gone from `entries`: `popUnread` skips it from now on.
                stream.entries[id] = nil
                self.counters.pending -= 1
                if let expiry = entry.expiresAt, expiry <= now {
                    self.counters.expired += 1
                    continue
                }
                self.counters.delivered += 1
                self.counters.acked += 1
                let message = TakenMessage(ref: EntryRef(priority: priority, entryID: id), messageID: entry.messageID, body: entry.body, attempt: 1)
                found.append(TakenReply(correlationID: correlationID, message: message, expiresAt: entry.expiresAt))
            }
            inbox[priority] = stream
        }
        self.streams[request.inbox] = inbox
        return ReplyTakeResult(replies: found, retryInMilliseconds: next)
    }

    mutating func putBack(_ reply: TakenReply, inbox: String) {
        self.append(
            NewMessage(
                messageID: reply.message.messageID,
                clientChosenID: false,
                sender: "",
                recipient: inbox,
                priority: reply.message.ref.priority,
                body: reply.message.body,
                ttlMilliseconds: reply.expiresAt,
                delayMilliseconds: nil,
                correlationID: reply.correlationID
            )
        )
        // Undo what the take counted: it is pending again, neither delivered nor acked.
        self.counters.delivered -= 1
        self.counters.acked -= 1
        self.counters.pending += 1
    }

    mutating func take(_ request: TakeRequest) -> TakeResult {
        let now = self.clock()
        var result = TakeResult(taken: [], expired: 0, exhausted: true, retryInMilliseconds: nil)
        var need = request.limit
        // Delayed sends whose time has come join the inbox first.
        self.moveDueDelayed(request.inbox, now: now)
        // Due retries, each priority's oldest entry first.
        var due = (self.retries[request.inbox] ?? []).filter { $0.due <= now }
        due.sort { ($0.ref.priority.deliveryRank, $0.ref.entryID) < ($1.ref.priority.deliveryRank, $1.ref.entryID) }
        var claimed = Set<EntryRef>()
        if var inbox = self.streams[request.inbox] {
            for priority in Priority.deliveryOrder where need > 0 {
                guard var stream = inbox[priority] else { continue }
                for retry in due where retry.ref.priority == priority && need > 0 {
                    claimed.insert(retry.ref)
                    let id = retry.ref.entryID
                    guard let entry = stream.entries[id], let count = stream.pending[id] else { continue }
                    if let expiry = entry.expiresAt, expiry <= now {
                        stream.entries[id] = nil
                        stream.pending[id] = nil
                        result.expired += 1
                        continue
                    }
                    stream.pending[id] = count + 1
                    result.taken.append(TakenMessage(ref: retry.ref, messageID: entry.messageID, body: entry.body, attempt: count + 1))
                    need -= 1
                }
                while need > 0, let id = stream.popUnread() {
                    guard let entry = stream.entries[id] else { continue }
                    if let expiry = entry.expiresAt, expiry <= now {
                        stream.entries[id] = nil
                        result.expired += 1
                        continue
                    }
                    stream.pending[id] = 1
                    let ref = EntryRef(priority: priority, entryID: id)
                    result.taken.append(TakenMessage(ref: ref, messageID: entry.messageID, body: entry.body, attempt: 1))
                    need -= 1
                }
                inbox[priority] = stream
            }
            self.streams[request.inbox] = inbox
        }
        if !claimed.isEmpty {
            self.retries[request.inbox]?.removeAll { claimed.contains($0.ref) }
        }
        // Like the Redis store: a take that filled its limit may have left messages behind.
        result.exhausted = need > 0
        let next = [self.retries[request.inbox]?.map(\.due).min(), self.delayed[request.inbox]?.first?.due].compactMap { $0 }.min()
        result.retryInMilliseconds = next.map { max(0, $0 - now) }
        self.counters.delivered += Int64(result.taken.count)
        self.counters.expired += Int64(result.expired)
        self.counters.pending -= Int64(result.expired)
        return result
    }

    mutating func release(inbox: String, entries: [ReleasedEntry]) -> Int {
        let now = self.clock()
        var released = 0
        for entry in entries where self.streams[inbox]?[entry.ref.priority]?.pending[entry.ref.entryID] != nil {
            self.streams[inbox]?[entry.ref.priority]?.pending[entry.ref.entryID] = entry.deliveries
            if entry.keepsWaiting, self.retries[inbox]?.contains(where: { $0.ref == entry.ref }) == true {
                released += 1
                continue
            }
            self.retries[inbox, default: []].removeAll { $0.ref == entry.ref }
            self.retries[inbox, default: []].append(Retry(due: now + entry.delayMilliseconds, ref: entry.ref))
            released += 1
        }
        return released
    }

    mutating func ack(inbox: String, refs: [EntryRef]) -> Int {
        var acked = 0
        for ref in refs {
            if self.streams[inbox]?[ref.priority]?.pending.removeValue(forKey: ref.entryID) != nil {
                self.streams[inbox]?[ref.priority]?.entries[ref.entryID] = nil
                acked += 1
            }
        }
        self.counters.acked += Int64(acked)
        self.counters.pending -= Int64(acked)
        return acked
    }

    mutating func deadLetter(inbox: String, ref: EntryRef, reason: DeadLetterReason) {
        guard self.streams[inbox]?[ref.priority]?.pending.removeValue(forKey: ref.entryID) != nil,
            let entry = self.streams[inbox]?[ref.priority]?.entries.removeValue(forKey: ref.entryID)
        else { return }
        let json = EncodedMessage.dead(entry.body, reason: reason.reason, attempts: reason.attempts, at: reason.at)
        self.dead[inbox, default: []].append((entry.messageID, ref.priority, entry.body, json))
        self.counters.pending -= 1
        self.counters.dead += 1
    }

    func deadLetters(inbox: String, limit: Int) -> [DeadLetter] {
        (self.dead[inbox] ?? []).prefix(limit).map { DeadLetter(json: $0.json) }
    }

    mutating func requeueDead(inbox: String, messageIDs: [String]) -> Int {
        var requeued = 0
        for id in messageIDs {
            guard let index = self.dead[inbox]?.firstIndex(where: { $0.messageID == id }),
                let letter = self.dead[inbox]?.remove(at: index)
            else { continue }
            // Back as a new entry: the next delivery is attempt 1 again.
            self.append(
                NewMessage(
                    messageID: letter.messageID,
                    clientChosenID: false,
                    sender: "",
                    recipient: inbox,
                    priority: letter.priority,
                    body: letter.body,
                    ttlMilliseconds: nil,
                    delayMilliseconds: nil
                )
            )
            requeued += 1
        }
        self.counters.dead -= Int64(requeued)
        self.counters.pending += Int64(requeued)
        return requeued
    }
}
