import AgentCore
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// A take that failed with `unavailable` may have run in Redis anyway; after `resyncDelay`
/// this daemon's pending list of the inbox is read and what the engine does not know is
/// released to the store, to be delivered again with its count.
@Suite struct DeliveryStateResyncTests {
    private let loop = EmbeddedEventLoop()
    private let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private let wallNow: Int64 = 1_795_602_660_123

    private func entry(_ low: UInt64) -> EntryRef {
        EntryRef(priority: .medium, entryID: EntryID(high: 0, low: low))
    }

    private func message(_ id: String, _ low: UInt64) -> TakenMessage {
        TakenMessage(ref: self.entry(low), messageID: id, body: Array("{\"message_id\":\"\(id)\"}".utf8), attempt: 1)
    }

    private func result(_ messages: [TakenMessage], exhausted: Bool) -> TakeResult {
        TakeResult(taken: messages, expired: 0, exhausted: exhausted, retryInMilliseconds: nil)
    }

    /// `entry-low deliveries delay-ms` of each release among `actions`.
    private func released(_ actions: [DeliveryAction]) -> [String] {
        actions.compactMap { action in
            guard case .release(let inbox, let entry) = action else { return nil }
            #expect(inbox == "a")
            return "\(entry.ref.entryID.low) \(entry.deliveries) \(entry.delayMilliseconds)"
        }
    }

    /// Fires every timer event due at `now`, as the engine's timer does.
    private func fireDue(_ state: inout DeliveryState, at now: NIODeadline) -> [DeliveryAction] {
        var actions: [DeliveryAction] = []
        while let event = state.timers.popDue(now: now) {
            state.fire(event, now: now, wallNow: self.wallNow, actions: &actions)
        }
        return actions
    }

    private func isResync(_ action: DeliveryAction) -> Bool {
        if case .resync("a") = action { return true } else { return false }
    }

    private func isTake(_ action: DeliveryAction) -> Bool {
        if case .take = action { return true } else { return false }
    }

    @Test func entriesAFailedTakeLeftInTheStoreAreReleased() throws {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100, resyncDelay: .seconds(4)))
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        var actions: [DeliveryAction] = []
        state.subscribe(session, prefetch: 10, now: self.now, wallNow: self.wallNow, actions: &actions)
        // The first take delivers m1 and m2; m1 is acked, m2 stays in flight.
        state.taken(self.result([self.message("m1", 1), self.message("m2", 2)], exhausted: false),
                    inbox: "a", generation: state.inboxes["a"]?.generation ?? 0, now: self.now, wallNow: self.wallNow, actions: &actions)
        _ = state.ack(session, messageIDs: ["m1"], now: self.now, wallNow: self.wallNow, actions: &actions)

        // The next take fails: Redis stopped answering. It may still run later.
        #expect(state.inboxes["a"]?.taking == true)
        _ = state.takeFailed(.unavailable("store unavailable"), inbox: "a", now: self.now, actions: &actions)
        #expect(state.inboxes["a"]?.resyncPending == true)
        // m3 is delivered and acked meanwhile; its XACK may land after the pending list is read.
        state.taken(self.result([self.message("m3", 3)], exhausted: true),
                    inbox: "a", generation: state.inboxes["a"]?.generation ?? 0, now: self.now, wallNow: self.wallNow, actions: &actions)
        _ = state.ack(session, messageIDs: ["m3"], now: self.now, wallNow: self.wallNow, actions: &actions)

        // Not before the delay; then one resync, and no take beside it.
        actions = []
        state.fire(.resync(inbox: "a"), now: self.now + .seconds(4), wallNow: self.wallNow, actions: &actions)
        #expect(actions.contains(where: self.isResync))
        #expect(!actions.contains(where: self.isTake))
        #expect(state.inboxes["a"]?.taking == true)

        // This daemon's pending list: m2 (known, in flight), m3 (acked since), and e4, e5 which
        // the failed take read and nobody got.
        actions = []
        state.resynced("a", pending: [
            RecoveredEntry(ref: self.entry(2), deliveries: 1),
            RecoveredEntry(ref: self.entry(3), deliveries: 1),
            RecoveredEntry(ref: self.entry(4), deliveries: 1),
            RecoveredEntry(ref: self.entry(5), deliveries: 5),
        ], now: self.now, wallNow: self.wallNow, actions: &actions)
        let inbox = try #require(state.inboxes["a"])
        #expect(!inbox.resyncPending && inbox.ackedDuringResync.isEmpty)
        #expect(!inbox.taking)
        // e4 goes back to the store, due now, with the delivery it had (its next is attempt 2);
        // e5 had its last attempt.
        #expect(self.released(actions) == ["4 1 0"])
        let dead = actions.compactMap { action -> (EntryRef, DeadLetterReason)? in
            if case .deadLetter(_, let ref, let reason) = action { return (ref, reason) } else { return nil }
        }
        #expect(dead.map(\.0) == [self.entry(5)])
        #expect(dead.map(\.1.attempts) == [5])
        #expect(dead.map(\.1.reason) == ["max_deliveries"])
        #expect(inbox.inFlight.keys.sorted() == ["m2"])
    }

    /// Not only `unavailable`: a take whose answer could not be read (an `internal` failure)
    /// may have run as well, so its inbox is looked at too.
    @Test func aTakeFailingForAnotherReasonIsResyncedToo() {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100))
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        var actions: [DeliveryAction] = []
        state.subscribe(session, prefetch: 10, now: self.now, wallNow: self.wallNow, actions: &actions)
        _ = state.takeFailed(.internal(cause: nil), inbox: "a", now: self.now, actions: &actions)
        #expect(state.inboxes["a"]?.resyncPending == true)
    }

    /// An ack whose store call failed may not have landed: the entry comes back after the
    /// resync, since the client was told the ack may not have happened.
    @Test func anAckThatFailedInTheStoreIsLookedForToo() throws {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100, resyncDelay: .seconds(4)))
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        var actions: [DeliveryAction] = []
        state.subscribe(session, prefetch: 10, now: self.now, wallNow: self.wallNow, actions: &actions)
        state.taken(self.result([self.message("m1", 1)], exhausted: true),
                    inbox: "a", generation: state.inboxes["a"]?.generation ?? 0, now: self.now, wallNow: self.wallNow, actions: &actions)
        #expect(state.ack(session, messageIDs: ["m1"], now: self.now, wallNow: self.wallNow, actions: &actions).count == 1)
        state.storeCallFailed(inbox: "a", now: self.now)
        #expect(state.timers.nextDeadline == self.now + .seconds(4))
        actions = []
        state.fire(.resync(inbox: "a"), now: self.now + .seconds(4), wallNow: self.wallNow, actions: &actions)
        #expect(actions.contains(where: self.isResync))
        actions = []
        state.resynced("a", pending: [RecoveredEntry(ref: self.entry(1), deliveries: 1)], now: self.now, wallNow: self.wallNow, actions: &actions)
        #expect(self.released(actions) == ["1 1 0"])
    }

    /// A release whose store call failed leaves its entries in this daemon's pending list,
    /// where the resync finds and releases them; a second failure before then adds no timer.
    @Test func aReleaseThatFailedInTheStoreIsLookedForToo() throws {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100, resyncDelay: .seconds(4)))
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        var actions: [DeliveryAction] = []
        state.subscribe(session, prefetch: 10, now: self.now, wallNow: self.wallNow, actions: &actions)
        state.taken(self.result([self.message("m1", 1), self.message("m2", 2)], exhausted: true),
                    inbox: "a", generation: state.inboxes["a"]?.generation ?? 0, now: self.now, wallNow: self.wallNow, actions: &actions)
        actions = []
        #expect(state.nack(session, messageIDs: ["m1"], delay: .zero, now: self.now, wallNow: self.wallNow, actions: &actions) == 1)
        #expect(self.released(actions) == ["1 1 0"])

        state.storeCallFailed(inbox: "a", now: self.now)
        let timers = state.timers.count
        state.storeCallFailed(inbox: "a", now: self.now + .seconds(1))
        #expect(state.timers.count == timers)

        actions = []
        state.fire(.resync(inbox: "a"), now: self.now + .seconds(4), wallNow: self.wallNow, actions: &actions)
        actions = []
        state.resynced("a", pending: [
            RecoveredEntry(ref: self.entry(1), deliveries: 1),
            RecoveredEntry(ref: self.entry(2), deliveries: 1),
        ], now: self.now, wallNow: self.wallNow, actions: &actions)
        // m2 is still in flight here; m1 is released again.
        #expect(self.released(actions) == ["1 1 0"])
    }

    /// The inbox of a failed store call outlives its sessions until the resync is done; then
    /// it is dropped (and unwatched).
    @Test func anInboxWaitingForItsResyncIsKeptThenDropped() throws {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100, resyncDelay: .seconds(4)))
        state.storeCallFailed(inbox: "a", now: self.now)
        #expect(state.inboxes["a"]?.resyncPending == true)
        #expect(self.fireDue(&state, at: self.now + .milliseconds(3_999)).isEmpty)
        #expect(self.fireDue(&state, at: self.now + .seconds(4)).contains(where: self.isResync))

        // The pending list could not be read: tried again after the delay.
        state.resyncFailed("a", now: self.now + .seconds(4))
        #expect(state.inboxes["a"]?.taking == false)
        #expect(state.timers.nextDeadline == self.now + .seconds(8))
        #expect(self.fireDue(&state, at: self.now + .seconds(8)).contains(where: self.isResync))

        var actions: [DeliveryAction] = []
        state.resynced("a", pending: [RecoveredEntry(ref: self.entry(7), deliveries: 2)], now: self.now, wallNow: self.wallNow, actions: &actions)
        #expect(self.released(actions) == ["7 2 0"])
        #expect(state.inboxes["a"] == nil)
        #expect(state.watchChanges.map(\.watch) == [false])
    }
}
