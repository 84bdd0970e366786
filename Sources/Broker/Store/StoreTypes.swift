import AgentCore

/// Where one stored message sits: its recipient's inbox, its priority and the store's id for it.
///
/// Within one inbox and priority, `entryID`s order messages oldest first (Redis stream ids
/// `ms-seq`, or the memory store's zero-padded sequence); `EntryID` compares them numerically.
public struct EntryRef: Sendable, Hashable {
    /// The priority stream the entry is in.
    public var priority: Priority
    /// The store's id of the entry.
    public var entryID: EntryID

    /// Creates a reference.
    public init(priority: Priority, entryID: EntryID) {
        self.priority = priority
        self.entryID = entryID
    }
}

/// A stream entry id `ms-seq`, ordered numerically.
public struct EntryID: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds part.
    public var high: UInt64
    /// Sequence part.
    public var low: UInt64

    /// Creates an id from its two parts.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses `ms-seq`; nil when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let h = UInt64(parts[0]), let l = UInt64(parts[1]) else { return nil }
        self.high = h
        self.low = l
    }

    /// The `ms-seq` form.
    public var description: String { "\(self.high)-\(self.low)" }

    /// Numeric order.
    public static func < (a: EntryID, b: EntryID) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }
}

/// A message ready to be stored by `send`.
public struct NewMessage: Sendable {
    /// The system-wide id of the message.
    public var messageID: String
    /// Whether the client chose `messageID` (then dedup applies).
    public var clientChosenID: Bool
    /// The sending agent.
    public var sender: String
    /// The recipient agent, whose inbox receives it.
    public var recipient: String
    /// Delivery priority.
    public var priority: Priority
    /// The message JSON as it will be delivered (without `delivery`).
    public var body: [UInt8]
    /// Epoch milliseconds after which the message must not be delivered.
    public var expiresAt: Int64?
    /// Epoch milliseconds before which the message must not be delivered (delayed send).
    public var dueAt: Int64?

    /// Creates a message to store.
    public init(
        messageID: String,
        clientChosenID: Bool,
        sender: String,
        recipient: String,
        priority: Priority,
        body: [UInt8],
        expiresAt: Int64?,
        dueAt: Int64?
    ) {
        self.messageID = messageID
        self.clientChosenID = clientChosenID
        self.sender = sender
        self.recipient = recipient
        self.priority = priority
        self.body = body
        self.expiresAt = expiresAt
        self.dueAt = dueAt
    }
}

/// What `send` did.
public enum SendOutcome: Sendable, Equatable {
    /// Stored now.
    case stored
    /// The same sender sent this `message_id` within the dedup window: not stored again.
    case duplicate
    /// Another sender used this `message_id` within the dedup window: rejected.
    case conflict
}

/// One `take`: which redeliveries to make and how many messages at most.
public struct TakeRequest: Sendable {
    /// The inbox (agent id).
    public var inbox: String
    /// Entries to deliver again, each priority's oldest first. A priority's retries go before
    /// its new messages, since they are older than anything not yet read.
    public var retries: [Priority: [EntryID]]
    /// Most messages to deliver.
    public var limit: Int
    /// Now, in epoch milliseconds (for TTL checks).
    public var now: Int64

    /// Creates a take request.
    public init(inbox: String, retries: [Priority: [EntryID]], limit: Int, now: Int64) {
        self.inbox = inbox
        self.retries = retries
        self.limit = limit
        self.now = now
    }
}

/// A message handed out by `take`, now in flight.
public struct TakenMessage: Sendable {
    /// Where it is stored.
    public var ref: EntryRef
    /// Its `message_id`.
    public var messageID: String
    /// The stored JSON.
    public var body: [UInt8]
    /// True when it came from the retries of the request (a redelivery).
    public var isRetry: Bool
}

/// The result of a `take`.
public struct TakeResult: Sendable {
    /// Messages to deliver, in delivery order.
    public var taken: [TakenMessage]
    /// Retries that no longer exist or expired: drop them from the retry lists.
    public var dropped: [EntryRef]
    /// How many messages expired (TTL) during the take.
    public var expired: Int
    /// True when fewer new messages were found than asked for: nothing unread is left.
    public var exhausted: Bool
}

/// A message that was delivered and not acked when the previous process stopped.
public struct RecoveredEntry: Sendable {
    /// Where it is stored.
    public var ref: EntryRef
    /// How many times it was delivered.
    public var deliveries: Int
}

/// A dead letter as listed by `dead_letters`.
public struct DeadLetter: Sendable {
    /// The message JSON plus its `dead` object.
    public var json: [UInt8]
}

/// Why a message went to the dead letters, and when.
public struct DeadLetterReason: Sendable {
    /// For a person, e.g. "max_deliveries".
    public var reason: String
    /// Deliveries made.
    public var attempts: Int
    /// When it died.
    public var at: Timestamp
    /// Its `message_id` when known (for the audit log; entries recovered at start have none).
    public var messageID: String?

    /// Creates a reason.
    public init(reason: String, attempts: Int, at: Timestamp, messageID: String? = nil) {
        self.reason = reason
        self.attempts = attempts
        self.at = at
        self.messageID = messageID
    }
}

/// Durable counters kept by the store (totals survive restarts with the redis backend).
public struct StoreCounters: Sendable, Equatable {
    /// Messages stored by `send` (duplicates excluded).
    public var sent: Int64 = 0
    /// Deliveries made, redeliveries included.
    public var delivered: Int64 = 0
    /// Messages acked.
    public var acked: Int64 = 0
    /// Messages that expired before delivery.
    public var expired: Int64 = 0
    /// Messages stored and not yet acked, expired or dead.
    public var pending: Int64 = 0
    /// Messages in the dead letters.
    public var dead: Int64 = 0

    /// All zero.
    public init() {}
}

/// What `promoteDue` moved.
public struct PromotionResult: Sendable {
    /// Inboxes that received messages.
    public var inboxes: Set<String>
    /// When the next delayed message is due (epoch ms), if any remain.
    public var nextDue: Int64?
}
