import Foundation
import Testing
@testable import RedisStreams

@Suite struct HiredisConnectionTests {
    @Test func refusedConnectIsUnreachable() throws {
        let port = try freePort()
        do {
            _ = try HiredisConnection.connect(host: "127.0.0.1", port: port, timeout: .seconds(1))
            Issue.record("connect to a closed port succeeded")
        } catch {
            #expect(error.kind == .unreachable)
            #expect(error.message.contains("127.0.0.1:\(port)"))
        }
    }

    @Test func invalidPort() {
        #expect(throws: RedisStreamsError.self) {
            try HiredisConnection.connect(host: "127.0.0.1", port: 70000, timeout: .seconds(1))
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"] != nil))
    func pipelinedRoundTrip() throws {
        guard let (host, port) = TestRedis.address else { return }
        let connection = try HiredisConnection.connect(host: host, port: port, timeout: .seconds(2))
        let replies = try connection.roundTrip([
            RedisCommand("PING"),
            RedisCommand("ECHO", "a\r\nb"),
            RedisCommand([Array("ECHO".utf8), []]),
            RedisCommand("RPUSH", "agentd-test-none", "x"),      // creates a key; removed below
            RedisCommand("LRANGE", "agentd-test-none", "0", "-1"),
            RedisCommand("DEL", "agentd-test-none"),
            RedisCommand("XREAD", "COUNT", "1", "STREAMS", "agentd-test-none", "0"),
        ])
        #expect(replies == [
            .status("PONG"), .bulk(Array("a\r\nb".utf8)), .bulk([]), .integer(1),
            .array([.bulk(Array("x".utf8))]), .integer(1), .bulk(nil),
        ])
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"] != nil))
    func readTimeout() throws {
        guard let (host, port) = TestRedis.address else { return }
        let connection = try HiredisConnection.connect(host: host, port: port, timeout: .milliseconds(200))
        let started = ContinuousClock.now
        do {
            // Blocks only this connection, for 5 s, on a key nobody pushes to: the 200 ms timeout
            // must end the wait long before BLPOP would (a wide margin for a busy machine).
            _ = try connection.roundTrip([RedisCommand("BLPOP", "agentd-test-\(UUID().uuidString)", "5")])
            Issue.record("BLPOP answered before the timeout")
        } catch {
            #expect(error.kind == .timeout)
        }
        #expect(ContinuousClock.now - started < .seconds(4))
    }
}
