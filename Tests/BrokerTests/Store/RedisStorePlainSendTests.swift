import AgentCore
import AgentdConfig
import Foundation
import NIOCore
import NIOPosix
import RedisStreams
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
            expiresAt: nil,
            dueAt: nil
        )
    }

    /// A store on a fresh key prefix of the test Redis, a raw client beside it, and every key
    /// of the prefix deleted afterwards.
    private func withStore(
        _ body: (RedisStore, RedisClient, AgentdConfiguration) async throws -> Void
    ) async throws {
        let address = try #require(StoreBackend.redisAddress)
        var configuration = AgentdConfiguration()
        configuration.redis = address
        configuration.keyPrefix = "ut-\(UUID().uuidString)"
        let store = RedisStore(configuration: configuration)
        let client = RedisClient(configuration: RedisConfiguration(host: address.host, port: address.port))
        defer {
            store.shutdown()
            client.shutdown()
        }
        try await body(store, client, configuration)
        let keys = try await client.execute(RedisCommand("KEYS", configuration.keyPrefix + ":*")).array ?? []
        let names = keys.compactMap(\.bytes)
        if !names.isEmpty {
            _ = try await client.execute(RedisCommand([Array("DEL".utf8)] + names))
        }
    }

    @Test func aLostGroupIsCreatedAgainByTheTake() async throws {
        try await self.withStore { store, client, configuration in
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let take = TakeRequest(inbox: "box", retries: [:], limit: 10, now: WallClock.nowMilliseconds())

            #expect(try await store.send(self.message("one"), dedupWindowMilliseconds: 1_000, on: loop).get() == .stored)
            #expect(try await store.take(take, on: loop).get().taken.map(\.messageID) == ["one"])

            // Redis forgets the group; this process still believes it created it.
            let stream = configuration.keyPrefix + ":q:box:medium"
            _ = try await client.execute(RedisCommand("XGROUP", "DESTROY", stream, "agentd"))
            #expect(try await store.send(self.message("two"), dedupWindowMilliseconds: 1_000, on: loop).get() == .stored)
            // A new group starts at 0: both entries are unread for it, nothing is lost.
            let again = try await store.take(take, on: loop).get().taken.map(\.messageID)
            #expect(again == ["one", "two"])

            let counters = try await store.counters(on: loop).get()
            #expect(counters.sent == 2)
        }
    }

    /// Redis lost its scripts (a restart) between a take and the next send that carries one:
    /// the send is stored and its take runs again by source instead of failing.
    @Test func aLostTakeScriptIsLoadedAgainBehindASend() async throws {
        try await self.withStore { store, client, configuration in
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            let take = TakeRequest(inbox: "box", retries: [:], limit: 10, now: WallClock.nowMilliseconds())
            #expect(try await store.take(take, on: loop).get().taken.isEmpty)   // loads the take script

            // As if Redis had restarted: the SHA1 this process knows names no script there. (Not
            // SCRIPT FLUSH: other tests share this Redis.)
            store.shas.withLockedValue { $0[RedisScripts.take.name] = String(repeating: "0", count: 40) }
            let (outcome, taken) = try await store.send(self.message("one"), dedupWindowMilliseconds: 1_000, thenTake: take, on: loop).get()
            #expect(outcome == .stored)
            #expect(try taken.get().taken.map(\.messageID) == ["one"])

        }
    }
}
