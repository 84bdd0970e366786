import Foundation
import Testing
import RedisStreams

@Suite(.enabled(if: ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"] != nil))
struct StreamCycleIntegrationTests {
    @Test func addReadAckCycle() async throws {
        try await TestRedis.withClient { client, prefix in
            let key = prefix + "stream"
            let create = RedisCommand("XGROUP", "CREATE", key, "g", "0", "MKSTREAM")
            #expect(try await client.execute(create) == .status("OK"))
            // Creating it again is harmless: BUSYGROUP.
            let again = try await client.execute(create)
            #expect(again.errorMessage?.hasPrefix("BUSYGROUP") == true)

            var ids: [String] = []
            for i in 0..<3 {
                let reply = try await client.execute(
                    RedisCommand("XADD", key, "MAXLEN", "~", "1000", "*", "n", String(i), "kind", "test"))
                ids.append(try #require(reply.string))
            }

            let newEntries = RedisCommand("XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", key, ">")
            let read = try Self.stream(try await client.execute(newEntries))
            #expect(read.key == key)
            #expect(read.entries.map(\.id) == ids)
            #expect(read.entries.map { $0.field("n") } == [Array("0".utf8), Array("1".utf8), Array("2".utf8)])

            // Nothing new: a null reply.
            #expect(try await client.execute(newEntries).isNull)

            let pendingCommand = RedisCommand("XPENDING", key, "g", "-", "+", "10")
            let pending = try StreamReplies.pending(try await client.execute(pendingCommand))
            #expect(pending.map(\.id) == ids)
            #expect(pending.allSatisfy { $0.consumer == "c1" && $0.deliveries == 1 })

            // Claim one entry for another consumer, then delete a pending one: re-reading the PEL
            // reports the deleted entry as [id, nil].
            let claimed = try StreamReplies.entries(try await client.execute(RedisCommand("XCLAIM", key, "g", "c2", "0", ids[0])))
            #expect(claimed.map(\.id) == [ids[0]])
            #expect(try await client.execute(RedisCommand("XDEL", key, ids[1])) == .integer(1))
            let history = try Self.stream(try await client.execute(
                RedisCommand("XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", key, "0")))
            #expect(history.entries.map(\.id) == [ids[1], ids[2]])
            #expect(history.entries.first?.fields.isEmpty == true)
            #expect(history.entries.last?.field("n") == Array("2".utf8))

            #expect(try await client.execute(RedisCommand("XACK", arguments: [key, "g"] + ids)) == .integer(3))
            #expect(try StreamReplies.pending(try await client.execute(pendingCommand)).isEmpty)
        }
    }

    /// The one stream of an XREADGROUP reply `[[key, [[id, [f, v, ...]], ...]]]`.
    static func stream(_ reply: RedisReply) throws -> (key: String?, entries: [StreamEntry]) {
        #expect(reply.errorMessage == nil)
        let streams = try #require(reply.array)
        #expect(streams.count == 1)
        let pair = try #require(streams.first?.array)
        try #require(pair.count == 2)
        return (pair[0].string, try StreamReplies.entries(pair[1]))
    }

    @Test func binarySafeValues() async throws {
        try await TestRedis.withClient { client, prefix in
            let key = prefix + "binary"
            let value: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x24, 0x2A, 0x00] + Array(0...255)
            var add = RedisCommand("XADD", key, "*", "payload\r\n")
            add.append(value)
            let id = try #require(try await client.execute(add).string)
            let entries = try StreamReplies.entries(try await client.execute(RedisCommand("XRANGE", key, "-", "+")))
            #expect(entries.map(\.id) == [id])
            #expect(entries.first?.fields.map(\.0) == ["payload\r\n"])
            #expect(entries.first?.field("payload\r\n") == value)

            _ = try await client.execute(RedisCommand([Array("SET".utf8), Array((prefix + "raw").utf8), value]))
            #expect(try await client.execute(RedisCommand("GET", prefix + "raw")) == .bulk(value))
            #expect(try await client.execute(RedisCommand("SET", prefix + "empty", "")) == .status("OK"))
            #expect(try await client.execute(RedisCommand("GET", prefix + "empty")) == .bulk([]))
            #expect(try await client.execute(RedisCommand("GET", prefix + "missing")) == .bulk(nil))
        }
    }

    @Test func scripts() async throws {
        try await TestRedis.withClient { client, prefix in
            let script = "redis.call('SET', KEYS[1], ARGV[1]); return {redis.call('GET', KEYS[1]), 7}"
            var eval = RedisCommand("EVAL", script, "1", prefix + "s")
            eval.append([0x00, 0x01])
            #expect(try await client.execute(eval) == .array([.bulk([0x00, 0x01]), .integer(7)]))

            let sha = try #require(try await client.execute(.scriptLoad("return ARGV[1] + 1")).string)
            #expect(sha.count == 40)
            #expect(try await client.execute(RedisCommand("EVALSHA", sha, "0", "41")) == .integer(42))
            let missing = try await client.execute(RedisCommand("EVALSHA", String(repeating: "0", count: 40), "0"))
            #expect(missing.isNoScriptError)
        }
    }
}
