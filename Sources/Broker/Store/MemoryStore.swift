import AgentCore
import NIOConcurrencyHelpers
import NIOCore

/// The in-process store: the original design's "mock mode", with the same semantics as the
/// Redis store (and the same conformance tests), but nothing survives the process.
public final class MemoryStore: MessageStore {
    /// `"memory"`.
    public let backendName = "memory"
    /// One process is the whole system.
    public let daemonID = "memory"

    private let state: NIOLockedValueBox<MemoryStoreState>
    private let coordination = NIOLockedValueBox(MemoryCoordination())
    private let clock: @Sendable () -> Int64

    /// Creates an empty store; `clock` gives epoch milliseconds (injected by tests).
    public init(clock: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds) {
        self.state = NIOLockedValueBox(MemoryStoreState(clock: clock))
        self.clock = clock
    }

    public func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest?,
        on loop: any EventLoop,
        completion: @escaping @Sendable (Result<SendResult, any Error>) -> Void
    ) {
        // One lock holds the send and the take: the take sees the message. Every take looks
        // at everything (an in-process take costs the same whatever its scope).
        let result = self.state.withLockedValue { state in
            let outcome = state.send(message, dedupWindow: Int64(dedupWindowMilliseconds))
            return SendResult(outcome: outcome, taken: take.map { .success(state.take($0)) })
        }
        completion(.success(result))
    }

    public func take(_ request: TakeRequest, on loop: any EventLoop) -> EventLoopFuture<TakeResult> {
        self.run(on: loop) { $0.take(request) }
    }

    public func takeReplies(_ request: ReplyTakeRequest, on loop: any EventLoop) -> EventLoopFuture<ReplyTakeResult> {
        self.run(on: loop) { $0.takeReplies(request, scan: RedisScripts.replyScan) }
    }

    public func putBack(_ reply: TakenReply, inbox: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.run(on: loop) { $0.putBack(reply, inbox: inbox) }
    }

    public func ack(inbox: String, refs: [EntryRef], on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.run(on: loop) { $0.ack(inbox: inbox, refs: refs) }
    }

    public func deadLetter(
        inbox: String,
        ref: EntryRef,
        reason: DeadLetterReason,
        on loop: any EventLoop
    ) -> EventLoopFuture<Void> {
        self.run(on: loop) { $0.deadLetter(inbox: inbox, ref: ref, reason: reason) }
    }

    public func deadLetters(inbox: String, limit: Int, on loop: any EventLoop) -> EventLoopFuture<[DeadLetter]> {
        self.run(on: loop) { $0.deadLetters(inbox: inbox, limit: limit) }
    }

    public func requeueDead(inbox: String, messageIDs: [String], on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.run(on: loop) { $0.requeueDead(inbox: inbox, messageIDs: messageIDs) }
    }

    public func release(inbox: String, entries: [ReleasedEntry], on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.run(on: loop) { $0.release(inbox: inbox, entries: entries) }
    }

    /// Nothing to take over: the memory store lives and dies with its one daemon.
    public func takeOver(daemon: String, on loop: any EventLoop) -> EventLoopFuture<Int> {
        loop.makeSucceededFuture(0)
    }

    public func pending(inbox: String, on loop: any EventLoop) -> EventLoopFuture<[RecoveredEntry]> {
        self.run(on: loop) { state in
            Priority.deliveryOrder.flatMap { priority in
                (state.streams[inbox]?[priority]?.pending ?? [:]).sorted { $0.key < $1.key }.map { entry, deliveries in
                    RecoveredEntry(ref: EntryRef(priority: priority, entryID: entry), deliveries: deliveries)
                }
            }
        }
    }

    public func counters(on loop: any EventLoop) -> EventLoopFuture<StoreCounters> {
        self.run(on: loop) { $0.counters }
    }

    public func ping(on loop: any EventLoop) -> EventLoopFuture<Void> {
        loop.makeSucceededVoidFuture()
    }

    /// One process writes this store: it knows of every change itself.
    public func startWatching(_ onWake: @escaping @Sendable (String) -> Void) {}

    public func watch(_ inbox: String) {}

    public func unwatch(_ inbox: String) {}

    public func join(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        loop.makeSucceededFuture(true)
    }

    public func renew(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<(LeaseStatus, Int)> {
        loop.makeSucceededFuture((.renewed, 1))
    }

    public func leave(on loop: any EventLoop) -> EventLoopFuture<Void> {
        loop.makeSucceededVoidFuture()
    }

    public func claimDeadDaemons(reserveMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<[String]> {
        loop.makeSucceededFuture([])
    }

    public func finishTakeOver(of daemon: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        loop.makeSucceededVoidFuture()
    }

    public func liveDaemons(on loop: any EventLoop) -> EventLoopFuture<[String]> {
        loop.makeSucceededFuture([self.daemonID])
    }

    public func isStored(messageID: String, sender: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        self.run(on: loop) { $0.isStored(messageID: messageID, sender: sender) }
    }

    /// One daemon: nobody else to tell.
    public func report(_ figures: DaemonFigures, on loop: any EventLoop) -> EventLoopFuture<Void> {
        loop.makeSucceededVoidFuture()
    }

    public func liveDaemonFigures(on loop: any EventLoop) -> EventLoopFuture<[String: DaemonFigures]> {
        loop.makeSucceededFuture([self.daemonID: .zero])
    }

    public func shutdown() {}

    private func run<T: Sendable>(
        on loop: any EventLoop,
        _ body: (inout MemoryStoreState) -> T
    ) -> EventLoopFuture<T> {
        loop.makeSucceededFuture(self.state.withLockedValue(body))
    }
}

extension MemoryStore: CoordinationStore {
    func read(_ query: CoordinationQuery, on loop: any EventLoop) -> EventLoopFuture<CoordinationSnapshot> {
        let now = self.clock()
        return loop.makeSucceededFuture(self.coordination.withLockedValue { $0.read(query, now: now) })
    }

    func commit(_ transaction: CoordinationTransaction, on loop: any EventLoop) -> EventLoopFuture<CommitOutcome> {
        let now = self.clock()
        return loop.makeSucceededFuture(self.coordination.withLockedValue { $0.commit(transaction, now: now) })
    }

    func commitEach(_ transactions: [CoordinationTransaction], on loop: any EventLoop) -> EventLoopFuture<[CommitOutcome]> {
        let now = self.clock()
        return loop.makeSucceededFuture(self.coordination.withLockedValue { state in
            transactions.map { state.commit($0, now: now) }
        })
    }

    func staleOutbox(olderThan: Int64, on loop: any EventLoop) -> EventLoopFuture<[OutboxMessage]> {
        let now = self.clock()
        return loop.makeSucceededFuture(self.coordination.withLockedValue { state in
            Array(state.outbox.filter { $0.at <= now - olderThan }.prefix(100))
        })
    }

    func removeFromOutbox(_ message: OutboxMessage, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.coordination.withLockedValue { state in
            if let index = state.outbox.firstIndex(of: message) { state.outbox.remove(at: index) }
        }
        return loop.makeSucceededVoidFuture()
    }
}
