import AgentCore
import NIOCore
import RedisStreams
import Testing

@testable import Broker

/// Sends with a server-chosen id skip the script; the take script must cope with a consumer
/// group that Redis lost after this process created it (e.g. a restart without persistence).
/// A take of one priority's unread messages skips the script too (a plain `XREADGROUP`), and
/// does the script's bookkeeping with commands of its own.
@Suite(.enabled(if: StoreBackend.redisAddress != nil))
struct RedisStorePlainSendTests {
    private func message(_ id: String, priority: Priority = .medium, ttl: Int64? = nil) -> NewMessage {
        NewMessage(
            messageID: id,
            clientChosenID: false,
            sender: "s",
            recipient: "box",
            priority: priority,
            body: Array(#"{"message_id":"\#(id)"}"#.utf8),
            ttlMilliseconds: ttl,
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

    /// Every connection loads the scripts when it opens: the first send that carries a take
    /// finds the take script there, by SHA1.
    @Test func theScriptsAreLoadedWhenTheConnectionOpens() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "plain")
            let loop = redis.loop
            #expect(try await store.ping(on: loop).get() == ())
            let loaded = try await redis.execute("SCRIPT", "EXISTS", RedisScripts.take.sha, RedisScripts.send.sha, RedisScripts.coordinationCommit.sha)
            #expect(loaded.array?.map(\.int) == [1, 1, 1])
            let take = TakeRequest(inbox: "box", limit: 10)
            let sent = try await store.send(self.message("one"), dedupWindowMilliseconds: 1_000, thenTake: take, on: loop).get()
            #expect(sent.outcome == .stored)
            #expect(try sent.taken?.get().taken.map(\.messageID) == ["one"])
        }
    }

    /// A script Redis does not know (its cache flushed by an operator after the connection
    /// opened) runs again from its source, and its answer keeps its place in the batch. (Not
    /// SCRIPT FLUSH: other tests share this Redis; a script never loaded stands in for it.)
    @Test func aScriptRedisDoesNotKnowRunsFromItsSource() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "plain")
            let loop = redis.loop
            let unknown = RedisScripts.Script(name: "unknown", source: "return 'ran " + String(UInt64.random(in: 1 ... .max)) + "'")
            let replies = try await store.call(
                [.plain(RedisCommand("PING")), .script(unknown, RedisCommand("0")), .plain(RedisCommand("ECHO", "after"))],
                on: loop
            ).get()
            #expect(replies.map(\.string) == ["PONG", String(unknown.source.dropFirst(8).dropLast()), "after"])
        }
    }

    /// The unread take reads the one priority it names: a message waiting at another priority
    /// stays for the next whole take (the engine asks for an unread take only when it knows
    /// the inbox held nothing else).
    @Test func anUnreadTakeReadsOnlyItsPriority() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "plain")
            let loop = redis.loop
            #expect(try await store.send(self.message("urgent", priority: .high), dedupWindowMilliseconds: 1_000, on: loop).get() == .stored)
            let take = TakeRequest(inbox: "box", limit: 10, scope: .unread(.low))
            let sent = try await store.send(self.message("later", priority: .low), dedupWindowMilliseconds: 1_000, thenTake: take, on: loop).get()
            let result = try #require(try sent.taken?.get())
            #expect(result.taken.map(\.messageID) == ["later"])
            #expect(result.taken.map(\.ref.priority) == [.low])
            #expect(result.exhausted)
            #expect(result.retryInMilliseconds == nil)
            // In flight with this daemon, like a scripted take's: the ack removes it.
            let ref = try #require(result.taken.first?.ref)
            #expect(try await store.ack(inbox: "box", refs: [ref], on: loop).get() == 1)
            let all = try await store.take(TakeRequest(inbox: "box", limit: 10), on: loop).get()
            #expect(all.taken.map(\.messageID) == ["urgent"])
            #expect(try await eventually { try await store.counters(on: loop).get().delivered == 2 })
        }
    }

    /// An entry found past its TTL is not delivered: it is removed and counted expired, as
    /// the take script does.
    @Test func anUnreadTakeExpiresWhatIsPastItsTTL() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "plain")
            let loop = redis.loop
            #expect(try await store.send(self.message("stale", ttl: 1), dedupWindowMilliseconds: 1_000, on: loop).get() == .stored)
            try await Task.sleep(for: .milliseconds(20))
            let take = TakeRequest(inbox: "box", limit: 10, scope: .unread(.medium))
            let sent = try await store.send(self.message("fresh"), dedupWindowMilliseconds: 1_000, thenTake: take, on: loop).get()
            let result = try #require(try sent.taken?.get())
            #expect(result.taken.map(\.messageID) == ["fresh"])
            #expect(result.expired == 1)
            #expect(try await eventually {
                let counters = try await store.counters(on: loop).get()
                return counters.expired == 1 && counters.pending == 1 && counters.delivered == 1
            })
            #expect(try await redis.execute("XLEN", redis.key("q:{box}:medium")).int == 1)
            #expect(try await store.pending(inbox: "box", on: loop).get().count == 1)
        }
    }

    /// Redis lost the group: the unread take reads nothing and says the inbox may hold more,
    /// so the engine's next take is the script, which creates the group again.
    @Test func anUnreadTakeWithoutItsGroupLeavesItToTheScript() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "plain")
            let loop = redis.loop
            #expect(try await store.send(self.message("one"), dedupWindowMilliseconds: 1_000, on: loop).get() == .stored)
            #expect(try await redis.execute("XGROUP", "DESTROY", redis.key("q:{box}:medium"), "agentd").int == 1)
            let take = TakeRequest(inbox: "box", limit: 10, scope: .unread(.medium))
            let sent = try await store.send(self.message("two"), dedupWindowMilliseconds: 1_000, thenTake: take, on: loop).get()
            #expect(sent.outcome == .stored)
            let result = try #require(try sent.taken?.get())
            #expect(result.taken.isEmpty)
            #expect(!result.exhausted)
            let all = try await store.take(TakeRequest(inbox: "box", limit: 10), on: loop).get()
            #expect(all.taken.map(\.messageID) == ["one", "two"])
        }
    }
}
