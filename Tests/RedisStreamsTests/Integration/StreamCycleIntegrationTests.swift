import Foundation
import Testing
import RedisStreams

@Suite(.enabled(if: ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"] != nil))
struct StreamCycleIntegrationTests {
    @Test func addReadAckCycle() async throws {
        try await TestRedis.withClient { client, prefix in
            let key = prefix + "stream"
            #expect(try StreamReplies.groupCreated(try await client.execute(.xgroupCreate(key, group: "g", id: "0"))))
            #expect(try !StreamReplies.groupCreated(try await client.execute(.xgroupCreate(key, group: "g", id: "0"))))

            var ids: [String] = []
            for i in 0..<3 {
                let reply = try await client.execute(.xadd(key, fields: [("n", Array(String(i).utf8)), ("kind", Array("test".utf8))], maxLength: 1000))
                ids.append(try StreamReplies.addedID(reply))
            }

            let read = try StreamReplies.readGroup(try await client.execute(.xreadgroup(group: "g", consumer: "c1", count: 10, key: key)))
            #expect(read.count == 1)
            #expect(read.first?.key == key)
            #expect(read.first?.entries.map(\.id) == ids)
            #expect(read.first?.entries.map { $0.field("n") } == [Array("0".utf8), Array("1".utf8), Array("2".utf8)])

            // Nothing new: the null reply decodes as empty.
            let empty = try await client.execute(.xreadgroup(group: "g", consumer: "c1", count: 10, key: key))
            #expect(empty.isNull)
            #expect(try StreamReplies.readGroup(empty).isEmpty)

            let pending = try StreamReplies.pending(try await client.execute(.xpending(key, group: "g", count: 10)))
            #expect(pending.map(\.id) == ids)
            #expect(pending.allSatisfy { $0.consumer == "c1" && $0.deliveries == 1 })

            // Claim one entry for another consumer, then delete a pending one: re-reading the PEL
            // reports the deleted entry as [id, nil].
            let claimed = try StreamReplies.entries(try await client.execute(
                .xclaim(key, group: "g", consumer: "c2", minIdleMilliseconds: 0, ids: [ids[0]])))
            #expect(claimed.map(\.id) == [ids[0]])
            #expect(try StreamReplies.count(try await client.execute(.xdel(key, ids: [ids[1]])), command: "XDEL") == 1)
            let history = try StreamReplies.readGroup(try await client.execute(
                .xreadgroup(group: "g", consumer: "c1", count: 10, key: key, id: "0")))
            #expect(history.first?.entries.map(\.id) == [ids[1], ids[2]])
            #expect(history.first?.entries.first?.isDeleted == true)

            let acked = try await client.execute(.xack(key, group: "g", ids: ids))
            #expect(try StreamReplies.count(acked, command: "XACK") == 3)
            #expect(try StreamReplies.pending(try await client.execute(.xpending(key, group: "g", count: 10))).isEmpty)
        }
    }

    @Test func binarySafeValues() async throws {
        try await TestRedis.withClient { client, prefix in
            let key = prefix + "binary"
            let value: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x24, 0x2A, 0x00] + Array(0...255)
            let id = try StreamReplies.addedID(try await client.execute(.xadd(key, fields: [("payload\r\n", value)])))
            let entries = try StreamReplies.entries(try await client.execute(RedisCommand("XRANGE", key, "-", "+")))
            #expect(entries == [StreamEntry(id: id, fields: [("payload\r\n", value)])])

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
            let reply = try await client.execute(.eval(script, keys: [prefix + "s"], arguments: [[0x00, 0x01]]))
            #expect(reply == .array([.bulk([0x00, 0x01]), .integer(7)]))

            let sha = try StreamReplies.text(try await client.execute(.scriptLoad("return ARGV[1] + 1")), command: "SCRIPT LOAD")
            #expect(try await client.execute(.evalSHA(sha, arguments: [Array("41".utf8)])) == .integer(42))
            let missing = try await client.execute(.evalSHA(String(repeating: "0", count: 40)))
            #expect(missing.isNoScriptError)
        }
    }
}
