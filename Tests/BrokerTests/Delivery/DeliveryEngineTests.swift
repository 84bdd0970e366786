import AgentCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// A memory store whose acks can be made to fail and whose `pending` answers when the test
/// says: what the engine's resync meets when Redis blips.
private final class ScriptedStore: MessageStore {
    let inner = MemoryStore()
    let failAcks = NIOLockedValueBox(false)
    let heldPending = NIOLockedValueBox<(inbox: String, promise: EventLoopPromise<[RecoveredEntry]>)?>(nil)
    let released = NIOLockedValueBox<[ReleasedEntry]>([])

    var backendName: String { self.inner.backendName }
    var daemonID: String { self.inner.daemonID }

    /// Answers the held `pending` call with the store's real list.
    func answerPending(on loop: any EventLoop) throws {
        let held = try #require(self.heldPending.withLockedValue { held in defer { held = nil }; return held })
        self.inner.pending(inbox: held.inbox, on: loop).cascade(to: held.promise)
    }

    func send(
        _ message: NewMessage,
        dedupWindowMilliseconds: Int,
        thenTake take: TakeRequest?,
        on loop: any EventLoop,
        completion: @escaping @Sendable (Result<SendResult, any Error>) -> Void
    ) {
        self.inner.send(message, dedupWindowMilliseconds: dedupWindowMilliseconds, thenTake: take, on: loop, completion: completion)
    }

    func take(_ request: TakeRequest, on loop: any EventLoop) -> EventLoopFuture<TakeResult> {
        self.inner.take(request, on: loop)
    }

    func takeReplies(_ request: ReplyTakeRequest, on loop: any EventLoop) -> EventLoopFuture<ReplyTakeResult> {
        self.inner.takeReplies(request, on: loop)
    }

    func putBack(_ reply: TakenReply, inbox: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.inner.putBack(reply, inbox: inbox, on: loop)
    }

    func ack(inbox: String, refs: [EntryRef], on loop: any EventLoop) -> EventLoopFuture<Int> {
        if self.failAcks.withLockedValue({ $0 }) {
            return loop.makeFailedFuture(AgentdError.unavailable("store unavailable: test"))
        }
        return self.inner.ack(inbox: inbox, refs: refs, on: loop)
    }

    func release(inbox: String, entries: [ReleasedEntry], on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.released.withLockedValue { $0 += entries }
        return self.inner.release(inbox: inbox, entries: entries, on: loop)
    }

    func deadLetter(inbox: String, ref: EntryRef, reason: DeadLetterReason, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.inner.deadLetter(inbox: inbox, ref: ref, reason: reason, on: loop)
    }

    func deadLetters(inbox: String, limit: Int, on loop: any EventLoop) -> EventLoopFuture<[DeadLetter]> {
        self.inner.deadLetters(inbox: inbox, limit: limit, on: loop)
    }

    func requeueDead(inbox: String, messageIDs: [String], on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.inner.requeueDead(inbox: inbox, messageIDs: messageIDs, on: loop)
    }

    func takeOver(daemon: String, on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.inner.takeOver(daemon: daemon, on: loop)
    }

    func pending(inbox: String, on loop: any EventLoop) -> EventLoopFuture<[RecoveredEntry]> {
        let promise = loop.makePromise(of: [RecoveredEntry].self)
        self.heldPending.withLockedValue { $0 = (inbox, promise) }
        return promise.futureResult
    }

    func counters(on loop: any EventLoop) -> EventLoopFuture<StoreCounters> { self.inner.counters(on: loop) }
    func ping(on loop: any EventLoop) -> EventLoopFuture<Void> { self.inner.ping(on: loop) }
    func startWatching(_ onWake: @escaping @Sendable (String) -> Void) {}
    func watch(_ inbox: String) {}
    func unwatch(_ inbox: String) {}
    func shutdown() {}

    func join(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        self.inner.join(leaseMilliseconds: leaseMilliseconds, on: loop)
    }

    func renew(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<(LeaseStatus, Int)> {
        self.inner.renew(leaseMilliseconds: leaseMilliseconds, on: loop)
    }

    func leave(on loop: any EventLoop) -> EventLoopFuture<Void> { self.inner.leave(on: loop) }

    func isStored(messageID: String, sender: String, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        self.inner.isStored(messageID: messageID, sender: sender, on: loop)
    }

    func report(_ figures: DaemonFigures, on loop: any EventLoop) -> EventLoopFuture<Void> { self.inner.report(figures, on: loop) }

    func liveDaemonFigures(on loop: any EventLoop) -> EventLoopFuture<[String: DaemonFigures]> { self.inner.liveDaemonFigures(on: loop) }

    func claimDeadDaemons(reserveMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<[String]> {
        self.inner.claimDeadDaemons(reserveMilliseconds: reserveMilliseconds, on: loop)
    }

    func finishTakeOver(of daemon: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.inner.finishTakeOver(of: daemon, on: loop)
    }

    func liveDaemons(on loop: any EventLoop) -> EventLoopFuture<[String]> { self.inner.liveDaemons(on: loop) }
}

/// The engine over a store, on an `EmbeddedEventLoop`: the memory store answers inline, so
/// each call's effects (takes, pushes, releases) have happened when it returns.
@Suite struct DeliveryEngineTests {
    private let loop = EmbeddedEventLoop()

    private func engine(_ store: any MessageStore) -> DeliveryEngine {
        var configuration = DeliveryEngine.Configuration()
        // A failed store call's inbox is checked after twice this.
        configuration.storeTimeout = .milliseconds(5)
        return DeliveryEngine(store: store, configuration: configuration, loop: self.loop, logger: Logger(label: "test"))
    }

    /// Pushed messages (what the engine hands the connection: the delivered messages, which it
    /// writes as `message` events) as `id@attempt`, in push order.
    private final class Pushes: Sendable {
        private let frames = NIOLockedValueBox<[String]>([])
        var all: [String] { self.frames.withLockedValue { $0 } }

        func record(_ batch: [[UInt8]]) {
            let described = batch.map { frame -> String in
                let message = try? JSONParser.parse(frame)
                let id = message?["message_id"]?.stringValue ?? "?"
                let attempt = message?["delivery"]?["attempt"].map { "\($0)" } ?? "?"
                return "\(id)@\(attempt)"
            }
            self.frames.withLockedValue { $0 += described }
        }
    }

    private func send(_ store: any MessageStore, _ id: String, to agent: String = "a") throws {
        let message = NewMessage(
            messageID: id,
            clientChosenID: false,
            sender: "s",
            recipient: agent,
            priority: .medium,
            body: Array("{\"message_id\":\"\(id)\"}".utf8),
            ttlMilliseconds: nil,
            delayMilliseconds: nil
        )
        #expect(try store.send(message, dedupWindowMilliseconds: 1_000, on: self.loop).wait() == .stored)
    }

    /// Lets the engine's timers that are due by now run.
    private func runTimers(after delay: TimeAmount) {
        Thread.sleep(forTimeInterval: Double(delay.nanoseconds) / 1e9)
        self.loop.advanceTime(to: .now())
    }

    @Test func aNackedMessageComesBackAsTheNextAttempt() throws {
        let store = MemoryStore()
        let engine = self.engine(store)
        let pushes = Pushes()
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: pushes.record)
        engine.attach(session)
        engine.subscribe(session, prefetch: 10)
        try self.send(store, "m1")
        engine.messageStored(for: "a")
        #expect(pushes.all == ["m1@1"])
        #expect(try engine.nack(session, messageIDs: ["m1"], delay: .zero).wait() == 1)
        // Released to the store, which wakes the inbox: the subscriber gets it again at once.
        #expect(pushes.all == ["m1@1", "m1@2"])
        #expect(engine.inFlightCount == 1)
        try self.loop.syncShutdownGracefully()
    }

    /// The resync after a failed store call releases what it does not know of this daemon's
    /// pending list. An entry released meanwhile (a nack while the list was being read) is in
    /// that list and already due in the store: the take that follows the resync must not
    /// deliver it before the release that hands it back, or it is delivered twice.
    @Test func aResyncDoesNotDeliverAReleasedMessageTwice() throws {
        let store = ScriptedStore()
        let engine = self.engine(store)
        let pushes = Pushes()
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: pushes.record)
        engine.attach(session)
        engine.subscribe(session, prefetch: 10)
        try self.send(store, "m1")
        try self.send(store, "m2")
        engine.messageStored(for: "a")
        #expect(pushes.all == ["m1@1", "m2@1"])

        // Redis blips: an ack fails, so the inbox is checked against the store later.
        store.failAcks.withLockedValue { $0 = true }
        #expect(throws: AgentdError.self) { try engine.ack(session, messageIDs: ["m2"]).wait() }
        store.failAcks.withLockedValue { $0 = false }
        self.runTimers(after: .milliseconds(20))
        // The pending list is being read; m1 is nacked meanwhile and back in the store.
        #expect(store.heldPending.withLockedValue { $0?.inbox } == "a")
        #expect(try engine.nack(session, messageIDs: ["m1"], delay: .zero).wait() == 1)
        // (The resync holds the inbox's takes until it is done.)
        #expect(pushes.all == ["m1@1", "m2@1"])

        try store.answerPending(on: self.loop)
        // Unknown to the engine: m1 (nacked) and m2 (its ack may not have landed). Both are
        // released and delivered again, once each, as attempt 2.
        #expect(store.released.withLockedValue { $0.map(\.ref.entryID.low) } == [1, 1, 2])
        #expect(store.released.withLockedValue { $0.map(\.deliveries) } == [1, 1, 1])
        #expect(pushes.all == ["m1@1", "m2@1", "m1@2", "m2@2"])
        #expect(engine.inFlightCount == 2)
        try self.loop.syncShutdownGracefully()
    }
}
