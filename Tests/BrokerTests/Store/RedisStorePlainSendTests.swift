import AgentCore
import NIOCore
import Testing

@testable import Broker

/// Sends with a server-chosen id skip the script; the take script must cope with a consumer
/// group that Redis lost after this process created it (e.g. a restart without persistence).
@Suite(.enabled(if: StoreBackend.redisAddress != nil))
struct RedisStorePlainSendTests {
    private func message(_ id: String) -> NewMessage {
        NewMessage(
            messageID: id,
            clientChosenID: false,
            sender: "s",
            recipient: "box",
            priority: .medium,
            body: Array(#"{"message_id":"\#(id)"}"#.utf8),
            ttlMilliseconds: nil,
            delayMilliseconds: nil
        )
    }

    @Test func aLostGroupIsCreatedAgainByTheTake() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "plain")
            let loop = redis.loop
            let take = TakeRequest(inbox: "box", limit: 10)

            #expect(try await store.send(self.message("one"), dedupWindowMilliseconds: 1_000, on: loop).get() == .stored)
            #expect(try await store.take(take, on: loop).get().taken.map(\.messageID) == ["one"])

            // Redis forgets the group; this process still believes it created it.
            let stream = redis.key("q:{box}:medium")
            #expect(try await redis.execute("XGROUP", "DESTROY", stream, "agentd").int == 1)
            #expect(try await store.send(self.message("two"), dedupWindowMilliseconds: 1_000, on: loop).get() == .stored)
            // A new group starts at 0: both entries are unread for it, nothing is lost.
            let again = try await store.take(take, on: loop).get().taken
            #expect(again.map(\.messageID) == ["one", "two"])
            #expect(again.map(\.attempt) == [1, 1])

            let counters = try await store.counters(on: loop).get()
            #expect(counters.sent == 2)
        }
    }

    /// Redis lost its scripts (a restart) between a take and the next send that carries one:
    /// the send is stored and its take runs again by source instead of failing.
    @Test func aLostTakeScriptIsLoadedAgainBehindASend() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "plain")
            let loop = redis.loop
            let take = TakeRequest(inbox: "box", limit: 10)
            #expect(try await store.take(take, on: loop).get().taken.isEmpty)   // loads the take script

            // As if Redis had restarted: the SHA1 this process knows names no script there. (Not
            // SCRIPT FLUSH: other tests share this Redis.)
            store.shas.learn(RedisScripts.take.name, String(repeating: "0", count: 40))
            let (outcome, taken) = try await store.send(self.message("one"), dedupWindowMilliseconds: 1_000, thenTake: take, on: loop).get()
            #expect(outcome == .stored)
            #expect(try taken.get().taken.map(\.messageID) == ["one"])
            #expect(store.shas[RedisScripts.take.name] != String(repeating: "0", count: 40))
        }
    }
}
