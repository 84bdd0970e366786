import AgentCore
import NIOCore
import Testing

@testable import Broker

/// `send(_:thenTake:)`: the take runs right after the send, so it sees the new message; a take
/// of one priority's unread messages (`TakeRequest.Scope.unread`) finds it too.
@Suite struct SendThenTakeTests {
    private func message(_ id: String, priority: Priority = .medium, sender: String = "s", clientChosen: Bool = true) -> NewMessage {
        NewMessage(
            messageID: id,
            clientChosenID: clientChosen,
            sender: sender,
            recipient: "box",
            priority: priority,
            body: Array(#"{"message_id":"\#(id)"}"#.utf8),
            ttlMilliseconds: nil,
            delayMilliseconds: nil
        )
    }

    private func takeRequest(_ limit: Int, scope: TakeRequest.Scope = .all) -> TakeRequest {
        TakeRequest(inbox: "box", limit: limit, scope: scope)
    }

    /// Sends and takes in one call; the take's own failure is thrown.
    private func sendThenTake(
        _ store: any MessageStore,
        _ message: NewMessage,
        _ take: TakeRequest,
        on loop: any EventLoop
    ) async throws -> (SendOutcome, TakeResult) {
        let result = try await store.send(message, dedupWindowMilliseconds: 60_000, thenTake: take, on: loop).get()
        let taken = try #require(result.taken)
        return (result.outcome, try taken.get())
    }

    @Test(arguments: StoreBackend.available, [TakeRequest.Scope.all, .unread(.medium)])
    func theTakeSeesTheMessageJustSent(backend: StoreBackend, scope: TakeRequest.Scope) async throws {
        try await withStore(backend) { store, loop in
            // Twice: the first call may load the scripts, the second runs both in one round trip.
            for (index, id) in ["a", "b"].enumerated() {
                let (outcome, result) = try await self.sendThenTake(store, self.message(id, clientChosen: index == 0), self.takeRequest(10, scope: scope), on: loop)
                #expect(outcome == .stored, "send \(index)")
                #expect(result.taken.map(\.messageID) == [id])
                #expect(result.taken.first?.attempt == 1)
                #expect(result.exhausted)
            }
            // Counted as delivered, whichever way it was read (a plain read counts behind its
            // answer, so the count may need a moment).
            #expect(try await eventually { try await store.counters(on: loop).get().delivered == 2 })
        }
    }

    @Test(arguments: StoreBackend.available)
    func aSendWithoutATakeHasNoTakeResult(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            let result = try await store.send(self.message("a"), dedupWindowMilliseconds: 60_000, thenTake: nil, on: loop).get()
            #expect(result.outcome == .stored)
            #expect(result.taken == nil)
        }
    }

    @Test(arguments: StoreBackend.available)
    func aDuplicateSendStillRunsTheTake(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            _ = try await store.send(self.message("x", priority: .high), dedupWindowMilliseconds: 60_000, on: loop).get()
            let (outcome, taken) = try await self.sendThenTake(store, self.message("x", priority: .high), self.takeRequest(10), on: loop)
            #expect(outcome == .duplicate)
            #expect(taken.taken.map(\.messageID) == ["x"])
        }
    }

    /// The first take of an inbox by a Redis store records the inbox among the daemon's first
    /// (one more command in the round trip): the send's outcome is still the send's own.
    @Test(arguments: StoreBackend.available)
    func theOutcomeIsTheSendsOwnBehindTheFirstTakeOfAnInbox(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.send(self.message("x", sender: "a"), dedupWindowMilliseconds: 60_000, on: loop).get() == .stored)
            let (conflict, first) = try await self.sendThenTake(store, self.message("x", sender: "b"), self.takeRequest(10), on: loop)
            #expect(conflict == .conflict)
            #expect(first.taken.map(\.messageID) == ["x"])
            let (duplicate, second) = try await self.sendThenTake(store, self.message("x", sender: "a"), self.takeRequest(10), on: loop)
            #expect(duplicate == .duplicate)
            #expect(second.taken.isEmpty)
            // A server-chosen id (plain commands, no script) behind a take.
            let (stored, third) = try await self.sendThenTake(store, self.message("y", clientChosen: false), self.takeRequest(10), on: loop)
            #expect(stored == .stored)
            #expect(third.taken.map(\.messageID) == ["y"])
            #expect(try await store.counters(on: loop).get().sent == 2)
        }
    }
}
