import AgentCore
import NIOCore
import Testing

@testable import Broker

private let inbox = "agent-a"

private func message(_ id: String, priority: Priority = .medium, correlation: String? = nil, ttl: Int64? = nil, clientChosen: Bool = false) -> NewMessage {
    var message = testMessage(id, to: inbox, priority: priority, clientChosen: clientChosen, ttl: ttl)
    message.correlationID = correlation
    return message
}

/// `takeReplies` and `putBack`, the same on both stores.
@Suite(.serialized) struct MessageStoreRepliesConformanceTests {
    @Test(arguments: StoreBackend.available)
    func takeRepliesTakesOnlyUnreadMessagesCarryingTheIDs(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("plain"), on: loop)
            // The script path (client id, TTL) keeps the correlation id as the plain path does.
            try await store.send(message("other", correlation: "c-other"), on: loop)
            try await store.send(message("r1", priority: .low, correlation: "c1", ttl: 60_000, clientChosen: true), on: loop)
            try await store.send(message("r1-again", correlation: "c1"), on: loop)
            try await store.send(message("r2", correlation: "c2"), on: loop)
            let found = try await store.takeReplies(ReplyTakeRequest(inbox: inbox, correlationIDs: ["c1", "c2", "c-none"]), on: loop).get().replies
            // Per id the first by delivery order: medium before low.
            #expect(found.map(\.message.messageID).sorted() == ["r1-again", "r2"])
            #expect(found.allSatisfy { $0.message.attempt == 1 })
            let r2 = try #require(found.first { $0.correlationID == "c2" })
            #expect(r2.message.body == message("r2", correlation: "c2").body)
            var counters = try await store.counters(on: loop)
            #expect(counters.pending == 3)
            #expect(counters.acked == 2)
            #expect(counters.delivered == 2)
            // The rest is delivered as ever, the found ones never.
            let rest = try await store.take(on: loop).taken.map(\.messageID)
            #expect(rest == ["plain", "other", "r1"])
            // Delivered messages are not replies any more.
            #expect(try await store.takeReplies(ReplyTakeRequest(inbox: inbox, correlationIDs: ["c1", "c-other"]), on: loop).get().replies.isEmpty)
            counters = try await store.counters(on: loop)
            #expect(counters.pending == 3)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aPutBackReplyIsAnOrdinaryUnreadMessage(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            try await store.send(message("r1", priority: .high, correlation: "c1"), on: loop)
            let found = try #require(try await store.takeReplies(ReplyTakeRequest(inbox: inbox, correlationIDs: ["c1"]), on: loop).get().replies.first)
            try await store.putBack(found, inbox: inbox, on: loop).get()
            let counters = try await store.counters(on: loop)
            #expect(counters.pending == 1)
            #expect(counters.acked == 0)
            let taken = try #require(try await store.take(on: loop).taken.first)
            #expect(taken.messageID == "r1")
            #expect(taken.ref.priority == .high)
            #expect(taken.attempt == 1)
            #expect(taken.body == found.message.body)
        }
    }
}
