import AgentCore
import NIOCore

/// Side effects decided by `DeliveryState` and carried out by `DeliveryEngine` outside its lock
/// (store calls and promise completions may run callbacks inline, which must not re-enter the
/// lock).
enum DeliveryAction {
    case take(TakeRequest, generation: UInt64)
    case completeFetch(EventLoopPromise<[[UInt8]]>, [[UInt8]])
    /// Delivered messages for a subscribed connection (each goes out as a `message` event).
    case push(SessionLink, [[UInt8]])
    case deadLetter(inbox: String, ref: EntryRef, reason: DeadLetterReason)
    /// Hand a delivery back to the store, for any daemon to deliver again once due.
    case release(inbox: String, entry: ReleasedEntry)
    /// List the inbox's entries in flight in the store (see `DeliveryState+Resync`).
    case resync(inbox: String)
    /// Look for the replies waiting `request`s want (see `DeliveryState+Replies`).
    case takeReplies(ReplyTakeRequest)
    /// Answer a `request`: its reply as delivered, or nil when none came in time.
    case completeRequest(EventLoopPromise<[UInt8]?>, [UInt8]?)
    /// A reply an ordinary take delivered to a `request`: done at once.
    case ackReply(inbox: String, ref: EntryRef)
    /// A reply found for a `request` that had ended meanwhile: back into the inbox.
    case putBack(inbox: String, TakenReply)
}

/// The events the engine's single timer serves.
enum TimerEvent: Sendable {
    /// An in-flight message reached its ack timeout.
    case ackTimeout(inbox: String, messageID: String, token: UInt64)
    /// A waiting fetch reached its `wait_ms`.
    case fetchDeadline(inbox: String, waiterID: UInt64)
    /// Look at an inbox again: the store failed, or a released delivery or delayed send is due.
    case pumpAgain(inbox: String)
    /// Time to check an inbox whose take failed against the store.
    case resync(inbox: String)
    /// A waiting `request` reached its `timeout_ms`.
    case replyDeadline(inbox: String, waiterID: UInt64)
}

/// A take reserved to ride along with a send (`DeliveryState.takeAlongsideSend`).
struct AlongsideTake: Sendable {
    /// What to take.
    var request: TakeRequest
    /// The inbox's generation once the send is noted as stored.
    var generation: UInt64
}
