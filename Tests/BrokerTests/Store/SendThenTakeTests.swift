import AgentCore
import NIOCore
import Testing

@testable import Broker

/// `send(_:thenTake:)`: the take runs right after the send, so it sees the new message.
@Suite struct SendThenTakeTests {
    private func message(_ id: String, priority: Priority = .medium) -> NewMessage {
        NewMessage(
            messageID: id,
            clientChosenID: true,
            sender: "s",
            recipient: "box",
            priority: priority,
            body: Array(#"{"message_id":"\#(id)"}"#.utf8),
            expiresAt: nil,
            dueAt: nil
        )
    }

    private func takeRequest(_ limit: Int) -> TakeRequest {
        TakeRequest(inbox: "box", retries: [:], limit: limit, now: WallClock.nowMilliseconds())
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
                #expect(result.taken.first?.isRetry == false)
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
}
