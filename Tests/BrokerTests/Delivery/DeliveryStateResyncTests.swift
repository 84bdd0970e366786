import AgentCore
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// A take that failed with `unavailable` may have run in Redis anyway; after `resyncDelay`
/// the inbox's pending list is read and what the engine does not know is delivered again.
@Suite struct DeliveryStateResyncTests {
    private let loop = EmbeddedEventLoop()
    private let now = NIODeadline.uptimeNanoseconds(1_000_000_000)
    private let wallNow: Int64 = 1_795_602_660_123

    private func entry(_ low: UInt64) -> EntryRef {
        EntryRef(priority: .medium, entryID: EntryID(high: 0, low: low))
    }

    private func message(_ id: String, _ low: UInt64) -> TakenMessage {
        TakenMessage(ref: self.entry(low), messageID: id, body: Array("{\"message_id\":\"\(id)\"}".utf8), isRetry: false)
    }

    @Test func entriesAFailedTakeLeftInTheStoreAreDeliveredAgain() throws {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100, resyncDelay: .seconds(4)))
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        var actions: [DeliveryAction] = []
        state.subscribe(session, prefetch: 10, now: self.now, wallNow: self.wallNow, actions: &actions)
        // The first take delivers m1 and m2; m1 is acked, m2 stays in flight.
        state.taken(TakeResult(taken: [self.message("m1", 1), self.message("m2", 2)], dropped: [], expired: 0, exhausted: false),
                    inbox: "a", generation: state.inboxes["a"]?.generation ?? 0, now: self.now, wallNow: self.wallNow, actions: &actions)
        _ = state.ack(session, messageIDs: ["m1"], now: self.now, wallNow: self.wallNow, actions: &actions)

        // The next take fails: Redis stopped answering. It may still run later.
        #expect(state.inboxes["a"]?.taking == true)
        _ = state.takeFailed(.unavailable("store unavailable"), inbox: "a", now: self.now, actions: &actions)
        #expect(state.inboxes["a"]?.resyncPending == true)
        // m3 is delivered and acked meanwhile; its XACK may land after the pending list is read.
        state.taken(TakeResult(taken: [self.message("m3", 3)], dropped: [], expired: 0, exhausted: true),
                    inbox: "a", generation: state.inboxes["a"]?.generation ?? 0, now: self.now, wallNow: self.wallNow, actions: &actions)
        _ = state.ack(session, messageIDs: ["m3"], now: self.now, wallNow: self.wallNow, actions: &actions)

        // Not before the delay; then one resync, and no take beside it.
        actions = []
        state.fire(.resync(inbox: "a"), now: self.now + .seconds(4), wallNow: self.wallNow, actions: &actions)
        #expect(actions.contains { if case .resync("a") = $0 { return true } else { return false } })
        #expect(state.inboxes["a"]?.taking == true)

        // The store's pending list: m2 (known, in flight), m3 (acked since), and e4, e5 which
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
        // e4 waits for another attempt (and a take is asked for it); e5 had its last attempt.
        #expect(inbox.retries[Priority.medium.deliveryRank].map(\.entryID) == [EntryID(high: 0, low: 4)])
        let takes = actions.compactMap { action -> TakeRequest? in
            if case .take(let request, _) = action { return request } else { return nil }
        }
        #expect(takes.first?.retries[.medium] == [EntryID(high: 0, low: 4)])
        let dead = actions.compactMap { action -> EntryRef? in
            if case .deadLetter(_, let ref, _) = action { return ref } else { return nil }
        }
        #expect(dead == [self.entry(5)])
    }

    @Test func aTakeFailingForAnotherReasonNeedsNoResync() {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100))
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        var actions: [DeliveryAction] = []
        state.subscribe(session, prefetch: 10, now: self.now, wallNow: self.wallNow, actions: &actions)
        _ = state.takeFailed(.internal(cause: nil), inbox: "a", now: self.now, actions: &actions)
        #expect(state.inboxes["a"]?.resyncPending == false)
    }

    /// An ack whose store call failed may not have landed: the entry comes back after the
    /// resync, since the client was told the ack may not have happened.
    @Test func anAckThatFailedInTheStoreIsLookedForToo() throws {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 100, resyncDelay: .seconds(4)))
        let session = SessionLink(id: 1, agentID: "a", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        var actions: [DeliveryAction] = []
        state.subscribe(session, prefetch: 10, now: self.now, wallNow: self.wallNow, actions: &actions)
        state.taken(TakeResult(taken: [self.message("m1", 1)], dropped: [], expired: 0, exhausted: true),
                    inbox: "a", generation: state.inboxes["a"]?.generation ?? 0, now: self.now, wallNow: self.wallNow, actions: &actions)
        #expect(state.ack(session, messageIDs: ["m1"], now: self.now, wallNow: self.wallNow, actions: &actions).count == 1)
        state.ackFailed(inbox: "a", now: self.now)
        actions = []
        state.fire(.resync(inbox: "a"), now: self.now + .seconds(4), wallNow: self.wallNow, actions: &actions)
        #expect(actions.contains { if case .resync("a") = $0 { return true } else { return false } })
        state.resynced("a", pending: [RecoveredEntry(ref: self.entry(1), deliveries: 1)], now: self.now, wallNow: self.wallNow, actions: &actions)
        #expect(state.inboxes["a"]?.retries[Priority.medium.deliveryRank].map(\.entryID) == [EntryID(high: 0, low: 1)])
    }
}
