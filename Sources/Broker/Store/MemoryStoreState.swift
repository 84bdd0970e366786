import AgentCore

/// The data of `MemoryStore`; mutated only under its lock.
struct MemoryStoreState {
    struct Entry {
        var messageID: String
        var body: [UInt8]
        var expiresAt: Int64?
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

    let clock: @Sendable () -> Int64
    var streams: [String: [Priority: Stream]] = [:]
    var dedup: [String: (sender: String, until: Int64)] = [:]
    var dead: [String: [(messageID: String, priority: Priority, body: [UInt8], json: [UInt8])]] = [:]
    /// Sorted by due time, then arrival.
    var delayed: [Delayed] = []
    var counters = StoreCounters()
    var sequence: UInt64 = 0

    init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
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
        if let due = message.dueAt, due > now {
            let index = self.delayed.firstIndex { $0.due > due } ?? self.delayed.endIndex
            self.delayed.insert(Delayed(due: due, message: message), at: index)
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
        let entry = Entry(messageID: message.messageID, body: message.body, expiresAt: message.expiresAt)
        self.streams[message.recipient, default: [:]][message.priority, default: Stream()].entries[id] = entry
        self.streams[message.recipient, default: [:]][message.priority, default: Stream()].unread.append(id)
    }

    mutating func take(_ request: TakeRequest) -> TakeResult {
        var result = TakeResult(taken: [], dropped: [], expired: 0, exhausted: true)
        var need = request.limit
        guard var inbox = self.streams[request.inbox] else { return result }
        for priority in Priority.deliveryOrder where need > 0 {
            guard var stream = inbox[priority] else {
                continue
            }
            for id in request.retries[priority] ?? [] where need > 0 {
                let ref = EntryRef(priority: priority, entryID: id)
                guard let entry = stream.entries[id], let count = stream.pending[id] else {
                    result.dropped.append(ref)
                    continue
                }
                if let expiry = entry.expiresAt, expiry <= request.now {
                    stream.entries[id] = nil
                    stream.pending[id] = nil
                    result.dropped.append(ref)
                    result.expired += 1
                    continue
                }
                stream.pending[id] = count + 1
                result.taken.append(TakenMessage(ref: ref, messageID: entry.messageID, body: entry.body, isRetry: true))
                need -= 1
            }
            while need > 0, let id = stream.popUnread() {
                guard let entry = stream.entries[id] else { continue }
                if let expiry = entry.expiresAt, expiry <= request.now {
                    stream.entries[id] = nil
                    result.expired += 1
                    continue
                }
                stream.pending[id] = 1
                let ref = EntryRef(priority: priority, entryID: id)
                result.taken.append(TakenMessage(ref: ref, messageID: entry.messageID, body: entry.body, isRetry: false))
                need -= 1
            }
            inbox[priority] = stream
        }
        self.streams[request.inbox] = inbox
        // Like the Redis store: a take that filled its limit may have left messages unread.
        result.exhausted = need > 0
        self.counters.delivered += Int64(result.taken.count)
        self.counters.expired += Int64(result.expired)
        self.counters.pending -= Int64(result.expired)
        return result
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
                    expiresAt: nil,
                    dueAt: nil
                )
            )
            requeued += 1
        }
        self.counters.dead -= Int64(requeued)
        self.counters.pending += Int64(requeued)
        return requeued
    }

    mutating func promoteDue(now: Int64) -> PromotionResult {
        var inboxes = Set<String>()
        var moved = 0
        while moved < self.delayed.count, self.delayed[moved].due <= now {
            self.append(self.delayed[moved].message)
            inboxes.insert(self.delayed[moved].message.recipient)
            moved += 1
        }
        self.delayed.removeFirst(moved)
        return PromotionResult(inboxes: inboxes, nextDue: self.delayed.first?.due)
    }
}
