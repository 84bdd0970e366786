import AgentCore
import NIOConcurrencyHelpers
import NIOCore

/// The in-process store: the original design's "mock mode", with the same semantics as the
/// Redis store (and the same conformance tests), but nothing survives the process.
public final class MemoryStore: MessageStore {
    /// `"memory"`.
    public let backendName = "memory"

    private let state: NIOLockedValueBox<MemoryStoreState>
    let records = MemoryRecords()

    /// Creates an empty store; `clock` gives epoch milliseconds (injected by tests).
    public init(clock: @escaping @Sendable () -> Int64 = WallClock.nowMilliseconds) {
        self.state = NIOLockedValueBox(MemoryStoreState(clock: clock))
    }

    public func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        on loop: any EventLoop
    ) -> EventLoopFuture<SendOutcome> {
        self.run(on: loop) { $0.send(message, dedupWindow: Int64(dedupWindowMilliseconds)) }
    }

    public func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest,
        on loop: any EventLoop
    ) -> EventLoopFuture<(SendOutcome, Result<TakeResult, any Error>)> {
        self.run(on: loop) { state in
            let outcome = state.send(message, dedupWindow: Int64(dedupWindowMilliseconds))
            return (outcome, .success(state.take(take)))
        }
    }

    public func take(_ request: TakeRequest, on loop: any EventLoop) -> EventLoopFuture<TakeResult> {
        self.run(on: loop) { $0.take(request) }
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

    public func promoteDue(now: Int64, on loop: any EventLoop) -> EventLoopFuture<PromotionResult> {
        self.run(on: loop) { $0.promoteDue(now: now) }
    }

    public func recover(
        on loop: any EventLoop
    ) -> EventLoopFuture<(inFlight: [String: [RecoveredEntry]], nextDue: Int64?)> {
        // A fresh process has nothing in flight; the delayed list may have been filled already.
        self.run(on: loop) { state in (inFlight: [:], nextDue: state.delayed.first?.due) }
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

    public func shutdown() {}

    private func run<T: Sendable>(
        on loop: any EventLoop,
        _ body: (inout MemoryStoreState) -> T
    ) -> EventLoopFuture<T> {
        loop.makeSucceededFuture(self.state.withLockedValue(body))
    }
}
