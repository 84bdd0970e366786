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
        self.init(utf8: text.utf8)
    }

    /// Parses `ms-seq` from its UTF-8 bytes; nil when malformed. (One pass over the bytes, no
    /// intermediate strings: every taken message's id goes through here.)
    public init?<Bytes: Sequence<UInt8>>(utf8 bytes: Bytes) {
        var parts: (UInt64, UInt64) = (0, 0)
        var digits = (0, 0)
        var second = false
        for byte in bytes {
            if byte == UInt8(ascii: "-"), !second {
                second = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = UInt64(byte - UInt8(ascii: "0"))
            if second {
                let (times, overflow) = parts.1.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times.addingReportingOverflow(digit)
                guard !overflow, !carry else { return nil }
                parts.1 = sum
                digits.1 += 1
            } else {
                let (times, overflow) = parts.0.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times.addingReportingOverflow(digit)
                guard !overflow, !carry else { return nil }
                parts.0 = sum
                digits.0 += 1
            }
        }
        guard second, digits.0 > 0, digits.1 > 0 else { return nil }
        self.high = parts.0
        self.low = parts.1
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
    /// Milliseconds after storing after which the message must not be delivered (`ttl_ms`).
    public var ttlMilliseconds: Int64?
    /// Milliseconds after storing before which the message must not be delivered (`delay_ms`).
    /// The store's clock counts both, so every daemon agrees on them.
    public var delayMilliseconds: Int64?
    /// Its `correlation_id`, kept beside the body so that a waiting `request` can find its
    /// reply without parsing bodies (`MessageStore.takeReplies`).
    public var correlationID: String?

    /// Creates a message to store.
    public init(
        messageID: String,
        clientChosenID: Bool,
        sender: String,
        recipient: String,
        priority: Priority,
        body: [UInt8],
        ttlMilliseconds: Int64?,
        delayMilliseconds: Int64?,
        correlationID: String? = nil
    ) {
        self.correlationID = correlationID
        self.messageID = messageID
        self.clientChosenID = clientChosenID
        self.sender = sender
        self.recipient = recipient
        self.priority = priority
        self.body = body
        self.ttlMilliseconds = ttlMilliseconds
        self.delayMilliseconds = delayMilliseconds
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

/// What `send` did, and what the take that rode along with it found.
public struct SendResult: Sendable {
    /// The send's own outcome.
    public var outcome: SendOutcome
    /// The take's result when one rode along (a failure when it failed on its own); nil when
    /// none did.
    public var taken: Result<TakeResult, any Error>?

    /// Creates a result.
    public init(outcome: SendOutcome, taken: Result<TakeResult, any Error>? = nil) {
        self.outcome = outcome
        self.taken = taken
    }
}

/// One `take`: up to `limit` messages of an inbox.
public struct TakeRequest: Sendable {
    /// What a take looks at.
    public enum Scope: Sendable, Equatable {
        /// Everything deliverable: due delayed sends, due released deliveries, then unread
        /// messages, priority by priority, skipping expired ones.
        case all
        /// Only the unread messages of one priority. The caller knows the inbox held nothing
        /// else deliverable a moment ago (its last take found it empty and nothing is due), so
        /// a message just sent at this priority is what there is: the Redis store reads it
        /// with one plain `XREADGROUP` instead of the take script. A store may always look at
        /// more than asked.
        case unread(Priority)
    }

    /// The inbox (agent id).
    public var inbox: String
    /// Most messages to deliver.
    public var limit: Int
    /// What to look at.
    public var scope: Scope

    /// Creates a take request.
    public init(inbox: String, limit: Int, scope: Scope = .all) {
        self.inbox = inbox
        self.limit = limit
        self.scope = scope
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
    /// This delivery's attempt number: the entry's delivery count, 1 for a new message.
    public var attempt: Int
}

/// One `takeReplies`: the correlation ids that waiting `request`s of an inbox look for.
public struct ReplyTakeRequest: Sendable {
    /// The inbox (the requesting agent).
    public var inbox: String
    /// The correlation ids looked for, each at most once.
    public var correlationIDs: [String]

    /// Creates a reply take.
    public init(inbox: String, correlationIDs: [String]) {
        self.inbox = inbox
        self.correlationIDs = correlationIDs
    }
}

/// A reply found by `takeReplies`: already removed from the inbox (taken and acked at once).
public struct TakenReply: Sendable {
    /// The correlation id it carries.
    public var correlationID: String
    /// The message, as a take hands it out (attempt 1: it was never delivered before).
    public var message: TakenMessage
    /// Its expiry (epoch ms) when it had a TTL, kept so a reply put back keeps it too.
    public var expiresAt: Int64?

    /// Creates a found reply.
    public init(correlationID: String, message: TakenMessage, expiresAt: Int64?) {
        self.correlationID = correlationID
        self.message = message
        self.expiresAt = expiresAt
    }
}

/// The result of a `takeReplies`.
public struct ReplyTakeResult: Sendable {
    /// The replies found, removed from the inbox.
    public var replies: [TakenReply]
    /// Milliseconds until the inbox's next delayed send is due, if any (a delayed reply).
    public var retryInMilliseconds: Int64?

    /// Creates a result.
    public init(replies: [TakenReply], retryInMilliseconds: Int64?) {
        self.replies = replies
        self.retryInMilliseconds = retryInMilliseconds
    }
}

/// The result of a `take`.
public struct TakeResult: Sendable {
    /// Messages to deliver, in delivery order.
    public var taken: [TakenMessage]
    /// How many messages expired (TTL) during the take.
    public var expired: Int
    /// True when fewer messages were found than asked for: nothing deliverable is left now.
    public var exhausted: Bool
    /// Milliseconds until the inbox's next released delivery or delayed send is due, if any.
    public var retryInMilliseconds: Int64?

    /// Creates a result.
    public init(taken: [TakenMessage], expired: Int, exhausted: Bool, retryInMilliseconds: Int64?) {
        self.taken = taken
        self.expired = expired
        self.exhausted = exhausted
        self.retryInMilliseconds = retryInMilliseconds
    }
}

/// A delivery that ended without an ack, to be delivered again by any daemon.
public struct ReleasedEntry: Sendable {
    /// Where it is stored.
    public var ref: EntryRef
    /// Deliveries that count so far (the next one is attempt `deliveries + 1`).
    public var deliveries: Int
    /// Not delivered again before this many milliseconds (a nack's `delay_ms`); 0 = at once.
    public var delayMilliseconds: Int64
    /// An entry already waiting in the store keeps its due time (a resync re-releasing what
    /// it finds must not cut a nack delay short).
    public var keepsWaiting: Bool

    /// Creates a released entry.
    public init(ref: EntryRef, deliveries: Int, delayMilliseconds: Int64, keepsWaiting: Bool = false) {
        self.ref = ref
        self.deliveries = deliveries
        self.delayMilliseconds = delayMilliseconds
        self.keepsWaiting = keepsWaiting
    }
}

/// An entry in this daemon's part of the store's pending list, with its delivery count.
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

/// Where a daemon's lease stands after a renewal.
public enum LeaseStatus: Sendable, Equatable {
    /// Renewed.
    case renewed
    /// It had run out, and is taken again: others may have taken over this daemon's
    /// deliveries meanwhile.
    case lapsed
    /// Another instance holds this daemon id now.
    case lost
}

/// What one daemon alone knows of the system's traffic, shared through the store so that
/// `stats` can answer for every daemon: its deliveries not yet acked and its sends in the
/// last minute.
public struct DaemonFigures: Sendable, Equatable {
    /// Messages this daemon delivered that are not acked yet.
    public var inFlight: Int
    /// Sends through this daemon in the last 60 s.
    public var sendsPerMinute: Int

    /// Figures as given.
    public init(inFlight: Int, sendsPerMinute: Int) {
        self.inFlight = inFlight
        self.sendsPerMinute = sendsPerMinute
    }

    /// No traffic.
    public static let zero = DaemonFigures(inFlight: 0, sendsPerMinute: 0)

    /// The sum of two daemons' figures.
    public static func + (lhs: DaemonFigures, rhs: DaemonFigures) -> DaemonFigures {
        DaemonFigures(inFlight: lhs.inFlight + rhs.inFlight, sendsPerMinute: lhs.sendsPerMinute + rhs.sendsPerMinute)
    }
}
