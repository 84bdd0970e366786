import AgentCore
import NIOCore

/// A message waiting to be delivered again.
struct RetryEntry: Sendable {
    var entryID: EntryID
    /// Deliveries made so far; the next one is `attempts + 1`.
    var attempts: Int
}

/// A delivered, not yet acked message.
struct InFlight: Sendable {
    var ref: EntryRef
    var attempt: Int
    var sessionID: UInt64
    /// Pushed messages count against the connection's prefetch; fetched ones do not.
    var pushed: Bool
    /// Identifies this delivery, so a stale ack-timeout event is ignored.
    var token: UInt64
}

/// A `fetch` waiting for messages.
struct Waiter: Sendable {
    var id: UInt64
    var session: SessionLink
    var limit: Int
    var promise: EventLoopPromise<[[UInt8]]>
    var deadline: NIODeadline
}

/// A subscribed connection and how many more messages it may be pushed now.
struct Subscriber: Sendable {
    var session: SessionLink
    var credit: Int
}

/// The delivery state of one agent's inbox, held in memory by the engine.
struct InboxState: Sendable {
    /// Per priority (by `deliveryRank`), oldest first.
    var retries: [[RetryEntry]] = [[], [], [], []]
    /// Whether the store may hold unread messages (cleared when a take finds none).
    var mayHaveNew = true
    /// Bumped whenever a message is stored for this inbox, so a take that ran concurrently does
    /// not wrongly conclude the inbox is empty.
    var generation: UInt64 = 0
    /// One take at a time per inbox keeps deliveries in priority/FIFO order.
    var taking = false
    var waiters: [Waiter] = []
    var subscribers: [UInt64: Subscriber] = [:]
    /// Round-robin order of subscribers.
    var subscriberOrder: [UInt64] = []
    var nextSubscriber = 0
    var inFlight: [String: InFlight] = [:]
    /// Connections attached as this agent.
    var sessions = 0
    /// A take failed in a way that leaves open whether it ran (see `DeliveryState+Resync`).
    var resyncPending = false
    /// Entries acked while `resyncPending`: in the store's pending list maybe, but done.
    var ackedDuringResync: Set<EntryID> = []

    var hasRetries: Bool { self.retries.contains { !$0.isEmpty } }

    var isIdle: Bool {
        self.sessions == 0 && self.inFlight.isEmpty && !self.hasRetries && self.waiters.isEmpty && !self.taking
            && !self.resyncPending
    }

    /// Inserts keeping the list ordered by entry id (releases come in any order).
    mutating func addRetry(_ entry: RetryEntry, priority: Priority) {
        let rank = priority.deliveryRank
        let index = self.retries[rank].lastIndex { $0.entryID < entry.entryID }.map { $0 + 1 } ?? 0
        self.retries[rank].insert(entry, at: index)
    }

    mutating func removeRetry(_ ref: EntryRef) -> RetryEntry? {
        let rank = ref.priority.deliveryRank
        guard let index = self.retries[rank].firstIndex(where: { $0.entryID == ref.entryID }) else { return nil }
        return self.retries[rank].remove(at: index)
    }

    /// The retries a take of `demand` messages may deliver: each priority's oldest first.
    func retriesToTake(upTo demand: Int) -> [Priority: [EntryID]] {
        var retries: [Priority: [EntryID]] = [:]
        for priority in Priority.deliveryOrder where !self.retries[priority.deliveryRank].isEmpty {
            retries[priority] = self.retries[priority.deliveryRank].prefix(demand).map(\.entryID)
        }
        return retries
    }

    /// Messages wanted now: waiting fetches plus subscribers' credit.
    var demand: Int {
        var total = 0
        for waiter in self.waiters { total += waiter.limit }
        for subscriber in self.subscribers.values { total += subscriber.credit }
        return total
    }
}
