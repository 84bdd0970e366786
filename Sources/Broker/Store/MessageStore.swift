import AgentCore
import NIOCore

/// Durable message storage, shared by every daemon of one system.
///
/// The store keeps each agent's inbox (one queue per priority), which entries are in flight
/// and with which daemon (the consumer group's pending list, one consumer per daemon), the
/// released deliveries waiting for their next attempt, delayed sends, dead letters and dedup
/// records. Who a message was delivered to, and when its ack times out, is the delivering
/// daemon's memory (`DeliveryEngine`); if that daemon dies, another takes its pending entries
/// over (`takeOver`).
///
/// Calls are submitted in order: two calls made one after the other from one thread with the
/// same `loop` take effect in that order (a session's messages stay FIFO: a session always
/// uses its channel's loop). Calls naming different loops are independent. Futures may
/// complete on any thread.
/// Failures are `AgentdError` with code `unavailable` when the store could not be reached.
public protocol MessageStore: DaemonDirectory {
    /// `"redis"` or `"memory"`, as reported by `health` and `stats`.
    var backendName: String { get }

    /// Stores a message, or detects a duplicate `message_id`; the inbox's watchers are woken.
    /// With `take`, the take runs right behind the send in the same round trip (it sees the
    /// message), and `SendResult.taken` holds its result. `completion` is called once, on any
    /// thread (a callback, not a future: this is every message's path).
    func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest?,
        on loop: any EventLoop,
        completion: @escaping @Sendable (Result<SendResult, any Error>) -> Void
    )

    /// Marks up to `limit` messages of an inbox as delivered by this daemon, in priority order,
    /// due released deliveries first within each priority. Expired messages met on the way are
    /// removed and counted; delayed sends whose time has come join the inbox first.
    func take(_ request: TakeRequest, on loop: any EventLoop) -> EventLoopFuture<TakeResult>

    /// For each correlation id, removes from the inbox the first unread message carrying it
    /// (highest priority first, oldest first) among the newest `RedisScripts.replyScan` of
    /// each priority, counting it as delivered and acked: a waiting `request`'s reply. Unread
    /// messages without such an id, and messages already delivered, are left alone. Delayed
    /// sends whose time has come join the inbox first, as for `take`, and the result tells when
    /// the next one is due.
    func takeReplies(_ request: ReplyTakeRequest, on loop: any EventLoop) -> EventLoopFuture<ReplyTakeResult>

    /// Puts a reply `takeReplies` removed back into the inbox as an unread message (its request
    /// had ended meanwhile), keeping its id, body and expiry; the inbox's watchers are woken.
    func putBack(_ reply: TakenReply, inbox: String, on loop: any EventLoop) -> EventLoopFuture<Void>

    /// Removes delivered messages for good; returns how many were still pending.
    func ack(inbox: String, refs: [EntryRef], on loop: any EventLoop) -> EventLoopFuture<Int>

    /// Hands deliveries that ended without an ack back to the inbox, for any daemon to deliver
    /// again once due; the inbox's watchers are woken. Returns how many were still pending.
    func release(inbox: String, entries: [ReleasedEntry], on loop: any EventLoop) -> EventLoopFuture<Int>

    /// Moves an in-flight message to the inbox's dead letters.
    func deadLetter(inbox: String, ref: EntryRef, reason: DeadLetterReason, on loop: any EventLoop) -> EventLoopFuture<Void>

    /// Lists an inbox's dead letters, oldest first.
    func deadLetters(inbox: String, limit: Int, on loop: any EventLoop) -> EventLoopFuture<[DeadLetter]>

    /// Moves dead letters back into the inbox as new messages; returns how many were found.
    func requeueDead(inbox: String, messageIDs: [String], on loop: any EventLoop) -> EventLoopFuture<Int>

    /// Releases, at once, every delivery the store has as made by `daemon` (this daemon's
    /// previous run, or a dead one) and, unless it is this daemon, deletes its consumer.
    /// Returns how many deliveries were released.
    func takeOver(daemon: String, on loop: any EventLoop) -> EventLoopFuture<Int>

    /// The entries of `inbox` the store has as delivered by this daemon and not acked, with
    /// their delivery counts (to find what a take that failed on the way took after all).
    func pending(inbox: String, on loop: any EventLoop) -> EventLoopFuture<[RecoveredEntry]>

    /// The durable counters.
    func counters(on loop: any EventLoop) -> EventLoopFuture<StoreCounters>

    /// Succeeds when the store answers.
    func ping(on loop: any EventLoop) -> EventLoopFuture<Void>

    /// Whether `sender` stored a message with this client-chosen `messageID` within the dedup
    /// window (a send of it now would be answered `duplicate`).
    func isStored(messageID: String, sender: String, on loop: any EventLoop) -> EventLoopFuture<Bool>

    /// Starts telling `onWake` about inboxes that may have new work because another daemon
    /// wrote to them (or because a watch was set up, when earlier news may have been missed).
    func startWatching(_ onWake: @escaping @Sendable (String) -> Void)

    /// Wants news of `inbox` (this daemon serves the agent). Cheap; call under a lock if needed.
    func watch(_ inbox: String)

    /// No longer wants news of `inbox`.
    func unwatch(_ inbox: String)

    /// Releases connections; later calls fail.
    func shutdown()
}

/// The daemons of one system: each holds a lease in the store, renewed while it lives; the
/// deliveries of one whose lease ran out are taken over by another (`MessageStore.takeOver`).
public protocol DaemonDirectory: Sendable {
    /// This daemon's id: its consumer name in the store.
    var daemonID: String { get }

    /// Takes this daemon's lease; false when another live instance holds the id.
    func join(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<Bool>

    /// Renews the lease; also answers how many daemons are live.
    func renew(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<(LeaseStatus, Int)>

    /// Gives the lease up (graceful stop).
    func leave(on loop: any EventLoop) -> EventLoopFuture<Void>

    /// Dead daemons (lease run out, or an earlier takeover of them abandoned) that this daemon
    /// now takes over, each claimed by one daemon only, for `reserveMilliseconds`.
    func claimDeadDaemons(reserveMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<[String]>

    /// The takeover of `daemon` is complete.
    func finishTakeOver(of daemon: String, on loop: any EventLoop) -> EventLoopFuture<Void>

    /// The ids of the daemons live now.
    func liveDaemons(on loop: any EventLoop) -> EventLoopFuture<[String]>

    /// Shares this daemon's figures with the others (at each lease renewal).
    func report(_ figures: DaemonFigures, on loop: any EventLoop) -> EventLoopFuture<Void>

    /// The live daemons, each with its last reported figures (zero before its first report).
    func liveDaemonFigures(on loop: any EventLoop) -> EventLoopFuture<[String: DaemonFigures]>
}

extension MessageStore {
    /// `send(_:dedupWindowMilliseconds:thenTake:on:completion:)` answered by a future.
    public func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest?,
        on loop: any EventLoop
    ) -> EventLoopFuture<SendResult> {
        let promise = loop.makePromise(of: SendResult.self)
        self.send(message, dedupWindowMilliseconds: dedupWindowMilliseconds, thenTake: take, on: loop) { promise.completeWith($0) }
        return promise.futureResult
    }

    /// Stores a message with no take behind it (see `send(_:dedupWindowMilliseconds:thenTake:on:)`).
    public func send(_ message: NewMessage, dedupWindowMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<SendOutcome> {
        self.send(message, dedupWindowMilliseconds: dedupWindowMilliseconds, thenTake: nil, on: loop).map(\.outcome)
    }
}
