import AgentCore
import NIOCore

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

/// A `request` waiting for the first message to its agent carrying its correlation id.
struct ReplyWaiter: Sendable {
    var id: UInt64
    var session: SessionLink
    var correlationID: String
    /// Completed with the reply as delivered, or nil when none came in time.
    var promise: EventLoopPromise<[UInt8]?>
    var deadline: NIODeadline
}

/// A subscribed connection and how many more messages it may be pushed now.
struct Subscriber: Sendable {
    var session: SessionLink
    var credit: Int
}

/// The delivery state of one agent's inbox, held in memory by the engine.
struct InboxState: Sendable {
    /// Whether the store may hold deliverable messages (cleared when a take finds none; set
    /// by sends, releases, wake-ups from other daemons and due retries).
    var mayHaveNew = true
    /// When a timer will look at the inbox again (its next released delivery or delayed send
    /// is due then), if one is armed.
    var wakeAt: NIODeadline?
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
    /// Waiting `request`s, oldest first: they take their replies before fetches and pushes
    /// see them (`DeliveryState+Replies`).
    var replyWaiters: [ReplyWaiter] = []
    /// Whether the store may hold a reply a waiter has not looked for yet (set by every
    /// message stored for the inbox while a request waits).
    var repliesMayHaveNew = false
    /// Connections attached as this agent.
    var sessions = 0
    /// A take failed in a way that leaves open whether it ran (see `DeliveryState+Resync`).
    var resyncPending = false
    /// Entries acked while `resyncPending`: in the store's pending list maybe, but done.
    var ackedDuringResync: Set<EntryID> = []

    var isIdle: Bool {
        self.sessions == 0 && self.inFlight.isEmpty && self.waiters.isEmpty && !self.taking
            && !self.resyncPending && self.replyWaiters.isEmpty
    }

    /// Changes a subscriber's credit by `delta` (nothing when it is gone). A move out and back,
    /// not `subscribers[id]?.credit += delta`: that modify access allocates, once per message.
    mutating func addCredit(_ delta: Int, to sessionID: UInt64) {
        guard var subscriber = self.subscribers.removeValue(forKey: sessionID) else { return }
        subscriber.credit += delta
        self.subscribers[sessionID] = subscriber
    }

    /// Messages wanted now: waiting fetches plus subscribers' credit.
    var demand: Int {
        var total = 0
        for waiter in self.waiters { total += waiter.limit }
        for subscriber in self.subscribers.values { total += subscriber.credit }
        return total
    }
}
