import AgentCore
import NIOCore

/// Durable message storage: what must survive an agentd crash.
///
/// The store keeps each agent's inbox (one queue per priority), which entries are in flight
/// (delivered, not acked), the dead letters, delayed messages and dedup records. Everything
/// about *who* a message was delivered to, and when it times out, lives in the broker's memory
/// (`DeliveryEngine`): after a crash every in-flight entry is simply delivered again.
///
/// Calls are submitted in order: two calls made one after the other from one thread with the
/// same `loop` take effect in that order (a session's messages stay FIFO: a session always
/// uses its channel's loop). Calls naming different loops are independent. Futures may
/// complete on any thread.
/// Failures are `AgentdError` with code `unavailable` when the store could not be reached.
public protocol MessageStore: RecordStore {
    /// `"redis"` or `"memory"`, as reported by `health` and `stats`.
    var backendName: String { get }

    /// Stores a message, or detects a duplicate `message_id`.
    func send(_ message: NewMessage, dedupWindowMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<SendOutcome>

    /// Stores a message and then runs `take`, in one round trip (the take sees the message).
    /// The take's result is nil when there was no take, or it failed on its own.
    func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest,
        on loop: any EventLoop
    ) -> EventLoopFuture<(SendOutcome, Result<TakeResult, any Error>)>

    /// Marks up to `limit` messages of an inbox as delivered, in priority order, retries first
    /// within each priority. Expired messages met on the way are removed and counted.
    func take(_ request: TakeRequest, on loop: any EventLoop) -> EventLoopFuture<TakeResult>

    /// Removes delivered messages for good; returns how many were still pending.
    func ack(inbox: String, refs: [EntryRef], on loop: any EventLoop) -> EventLoopFuture<Int>

    /// Moves an in-flight message to the inbox's dead letters.
    func deadLetter(inbox: String, ref: EntryRef, reason: DeadLetterReason, on loop: any EventLoop) -> EventLoopFuture<Void>

    /// Lists an inbox's dead letters, oldest first.
    func deadLetters(inbox: String, limit: Int, on loop: any EventLoop) -> EventLoopFuture<[DeadLetter]>

    /// Moves dead letters back into the inbox as new messages; returns how many were found.
    func requeueDead(inbox: String, messageIDs: [String], on loop: any EventLoop) -> EventLoopFuture<Int>

    /// Moves delayed messages whose time has come into their inboxes.
    func promoteDue(now: Int64, on loop: any EventLoop) -> EventLoopFuture<PromotionResult>

    /// Lists, per inbox, the entries in flight when the previous process stopped, and when the
    /// next delayed message is due.
    func recover(on loop: any EventLoop) -> EventLoopFuture<(inFlight: [String: [RecoveredEntry]], nextDue: Int64?)>

    /// The entries of `inbox` the store has as delivered and not acked, with their delivery
    /// counts (to find what a take that failed on the way took after all).
    func pending(inbox: String, on loop: any EventLoop) -> EventLoopFuture<[RecoveredEntry]>

    /// The durable counters.
    func counters(on loop: any EventLoop) -> EventLoopFuture<StoreCounters>

    /// Succeeds when the store answers.
    func ping(on loop: any EventLoop) -> EventLoopFuture<Void>

    /// Releases connections; later calls fail.
    func shutdown()
}
