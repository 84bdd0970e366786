import Foundation
import Synchronization
import Testing
import RedisStreams

@Suite(.enabled(if: ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"] != nil))
struct RedisClientIntegrationTests {
    @Test func errorReplyIsAReplyNotAFailure() async throws {
        try await TestRedis.withClient { client, prefix in
            let replies = try await client.execute([
                RedisCommand("SET", prefix + "k", "v"),
                RedisCommand("INCR", prefix + "k"),         // ERR value is not an integer
                RedisCommand("NOSUCHCOMMAND"),
                RedisCommand("GET", prefix + "k"),
            ])
            #expect(replies.count == 4)
            #expect(replies[0] == .status("OK"))
            #expect(replies[1].errorMessage?.hasPrefix("ERR") == true)
            #expect(replies[2].errorMessage != nil)
            #expect(replies[3] == .bulk(Array("v".utf8)))
            #expect(client.isConnected)
        }
    }

    /// 10 000 submissions from 8 threads: all complete, and each thread sees its INCRs answered
    /// 1, 2, 3, ... in its submission order.
    @Test func concurrentSubmissionsKeepOrder() async throws {
        try await TestRedis.withClient { client, prefix in
            let threads = 8
            let perThread = 1250
            let seen = Mutex([[Int64]](repeating: [], count: threads))
            let failures = Mutex([String]())
            let group = DispatchGroup()
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    DispatchQueue.concurrentPerform(iterations: threads) { thread in
                        let key = prefix + "counter:\(thread)"
                        for _ in 0..<perThread {
                            group.enter()
                            client.submit([RedisCommand("INCR", key)]) { result in
                                switch result {
                                case .success(let replies):
                                    seen.withLock { $0[thread].append(replies.first?.int ?? -1) }
                                case .failure(let error):
                                    failures.withLock { $0.append(error.description) }
                                }
                                group.leave()
                            }
                        }
                    }
                    group.notify(queue: .global()) { done.resume() }
                }
            }
            #expect(failures.withLock { $0 } == [])
            let expected = (1...Int64(perThread)).map { $0 }
            seen.withLock { lists in
                for (thread, list) in lists.enumerated() {
                    #expect(list == expected, "thread \(thread)")
                }
            }
        }
    }

    /// Concurrent multi-command submissions: the commands of one stay together and in order.
    @Test func multiCommandSubmissionsStayTogether() async throws {
        try await TestRedis.withClient { client, prefix in
            let key = prefix + "stream"
            let tasks = (0..<20).map { i in
                Task {
                    try await client.execute((0..<(i % 5 + 1)).map { _ in
                        RedisCommand("XADD", key, "*", "i", String(i))
                    })
                }
            }
            var total = 0
            for task in tasks {
                let replies = try await task.value
                let ids = replies.compactMap(\.string)
                #expect(ids.count == replies.count, "every XADD answers with the new ID")
                total += ids.count
                // IDs within one submission are consecutive in the stream, hence increasing.
                #expect(ids == ids.sorted { compareIDs($0, $1) })
            }
            #expect(try await client.execute(RedisCommand("XLEN", key)) == .integer(Int64(total)))
        }
    }

    @Test func shutdownFailsLaterSubmissions() async throws {
        let client = RedisClient(configuration: TestRedis.configuration())
        #expect(try await client.execute(RedisCommand("PING")) == .status("PONG"))
        client.shutdown()
        await #expect(throws: RedisStreamsError.self) { try await client.execute(RedisCommand("PING")) }
        do {
            _ = try await client.execute(RedisCommand("PING"))
        } catch {
            #expect(error.kind == .closed)
        }
        #expect(!client.isConnected)
    }
}

/// Orders stream IDs "ms-seq" numerically.
func compareIDs(_ a: String, _ b: String) -> Bool {
    func parts(_ id: String) -> (Int64, Int64) {
        let split = id.split(separator: "-")
        return (Int64(split.first ?? "") ?? 0, Int64(split.last ?? "") ?? 0)
    }
    return parts(a) < parts(b)
}

@Suite(.enabled(if: ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"] != nil))
struct RedisClientEdgeCaseTests {
    /// Empty and malformed submissions complete in their turn without disturbing their neighbours.
    @Test func emptyAndMalformedSubmissions() async throws {
        try await TestRedis.withClient { client, prefix in
            let order = Mutex([String]())
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let group = DispatchGroup()
                func record(_ label: String) -> @Sendable (Result<[RedisReply], RedisStreamsError>) -> Void {
                    group.enter()
                    return { result in
                        switch result {
                        case .success(let replies): order.withLock { $0.append("\(label):\(replies.count)") }
                        case .failure(let error): order.withLock { $0.append("\(label):\(error.kind)") }
                        }
                        group.leave()
                    }
                }
                client.submit([RedisCommand("INCR", prefix + "n")], completion: record("a"))
                client.submit([], completion: record("empty"))
                client.submit([RedisCommand("INCR", prefix + "n"), RedisCommand([])], completion: record("bad"))
                client.submit([RedisCommand("INCR", prefix + "n")], completion: record("b"))
                group.notify(queue: .global()) { done.resume() }
            }
            let completions = order.withLock { $0 }
            #expect(completions == ["a:1", "empty:0", "bad:protocolError", "b:1"])
            let counter = try await client.execute(RedisCommand("GET", prefix + "n"))
            #expect(counter.int == 2)
        }
    }
}
