import AgentCore
import NIOCore
import Testing

@testable import Broker

/// `send(_:thenTake:)`: the take runs right after the send, so it sees the new message.
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

    private func takeRequest(_ limit: Int) -> TakeRequest {
        TakeRequest(inbox: "box", limit: limit)
    }

    @Test(arguments: StoreBackend.available)
    func theTakeSeesTheMessageJustSent(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            // Twice: the first call may load the scripts, the second runs both in one round trip.
            for (index, id) in ["a", "b"].enumerated() {
                let (outcome, taken) = try await store.send(
                    self.message(id),
                    dedupWindowMilliseconds: 60_000,
                    thenTake: self.takeRequest(10),
                    on: loop
                ).get()
                #expect(outcome == .stored, "send \(index)")
                let result = try taken.get()
                #expect(result.taken.map(\.messageID) == [id])
                #expect(result.taken.first?.attempt == 1)
            }
        }
    }

    @Test(arguments: StoreBackend.available)
    func aDuplicateSendStillRunsTheTake(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            _ = try await store.send(self.message("x", priority: .high), dedupWindowMilliseconds: 60_000, on: loop).get()
            let (outcome, taken) = try await store.send(
                self.message("x", priority: .high),
                dedupWindowMilliseconds: 60_000,
                thenTake: self.takeRequest(10),
                on: loop
            ).get()
            #expect(outcome == .duplicate)
            #expect(try taken.get().taken.map(\.messageID) == ["x"])
        }
    }

    /// The first take of an inbox by a Redis store records the inbox among the daemon's first
    /// (one more command in the round trip): the send's outcome is still the send's own.
    @Test(arguments: StoreBackend.available)
    func theOutcomeIsTheSendsOwnBehindTheFirstTakeOfAnInbox(backend: StoreBackend) async throws {
        try await withStore(backend) { store, loop in
            #expect(try await store.send(self.message("x", sender: "a"), dedupWindowMilliseconds: 60_000, on: loop).get() == .stored)
            let (conflict, first) = try await store.send(
                self.message("x", sender: "b"),
                dedupWindowMilliseconds: 60_000,
                thenTake: self.takeRequest(10),
                on: loop
            ).get()
            #expect(conflict == .conflict)
            #expect(try first.get().taken.map(\.messageID) == ["x"])
            let (duplicate, second) = try await store.send(
                self.message("x", sender: "a"),
                dedupWindowMilliseconds: 60_000,
                thenTake: self.takeRequest(10),
                on: loop
            ).get()
            #expect(duplicate == .duplicate)
            #expect(try second.get().taken.isEmpty)
            // A server-chosen id (plain commands, no script) behind a take.
            let (stored, third) = try await store.send(
                self.message("y", clientChosen: false),
                dedupWindowMilliseconds: 60_000,
                thenTake: self.takeRequest(10),
                on: loop
            ).get()
            #expect(stored == .stored)
            #expect(try third.get().taken.map(\.messageID) == ["y"])
            #expect(try await store.counters(on: loop).get().sent == 2)
        }
    }
}
