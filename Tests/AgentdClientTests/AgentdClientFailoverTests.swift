import AgentCore
import AgentdClient
import NIOCore
import Testing

/// A client with two servers, over real TCP: the one in use dies (a relay in front of it
/// is cut), stops (drains with `bye`) or refuses (`overloaded`); the client moves on.
@Suite struct AgentdClientFailoverTests {
    static func address(_ port: Int) -> ServerAddress {
        ServerAddress(host: "127.0.0.1", port: port)
    }

    /// Sends, retrying while the connection is replaced under it (same message id, so a
    /// send that was stored before its answer was lost is stored once).
    static func send(_ client: AgentdClient, to agent: String, _ n: Int) async throws -> (messageID: String, duplicate: Bool) {
        while true {
            do {
                return try await client.send(to: agent, content: ["n": .number(JSONNumber(n))], messageID: "fo-\(n)")
            } catch let error as AgentdClientError where error.isRetryable {
                continue
            }
        }
    }

    /// Takes `count` pushed messages, acking each (an ack cut off by the failover is
    /// skipped: the message was taken on a daemon that is gone).
    static func receive(
        _ count: Int,
        on client: AgentdClient,
        from iterator: inout AsyncCompactMapSequence<AsyncStream<JSONObject>, DeliveredMessage>.AsyncIterator
    ) async throws -> [DeliveredMessage] {
        var got: [DeliveredMessage] = []
        while got.count < count, let message = await iterator.next() {
            got.append(message)
            do {
                try await client.ack([message.messageID])
            } catch let error as AgentdClientError where error.isRetryable {
                continue
            }
        }
        return got
    }

    /// A dies like a killed process: the client moves to B, says hello, subscribes again
    /// (same prefetch), and every message sent before and after arrives.
    @Test func killedDaemonSubscriptionMovesToTheNextServer() async throws {
        let serverA = try await InProcessServer.start()
        let serverB = try await InProcessServer.start()
        let relay = try await TCPProxy.start(to: serverA.port)
        let servers = [Self.address(relay.port), Self.address(serverB.port)]
        let consumer = try await AgentdClient.connect(servers: servers)
        try await consumer.hello(agentID: "fo-sub")
        try await consumer.subscribe(prefetch: 2)
        let producer = try await AgentdClient.connect(servers: servers)
        try await producer.hello(agentID: "fo-pub")
        #expect(consumer.server == servers[0] && producer.server == servers[0])
        #expect(consumer.servers == servers)

        var iterator = consumer.pushedMessages.makeAsyncIterator()
        for n in 0..<3 {
            _ = try await Self.send(producer, to: "fo-sub", n)
        }
        let before = try await Self.receive(3, on: consumer, from: &iterator)
        #expect(before.map { $0.content["n"] } == [0, 1, 2])

        await relay.crash()
        for n in 3..<6 {
            _ = try await Self.send(producer, to: "fo-sub", n)
        }
        let after = try await Self.receive(3, on: consumer, from: &iterator)
        #expect(after.map { $0.content["n"] } == [3, 4, 5])
        #expect(consumer.server == servers[1] && producer.server == servers[1])
        // Prefetch 2 came along: with two more sent, two are pushed and the third waits.
        for n in 6..<9 {
            _ = try await Self.send(producer, to: "fo-sub", n)
        }
        let held = [await iterator.next(), await iterator.next()].compactMap { $0 }
        #expect(held.map { $0.content["n"] } == [6, 7])
        #expect(try await consumer.stats()["queues"]?["in_flight"]?.intValue == 2)
        await consumer.close()
        await producer.close()
        await serverA.stop()
        await serverB.stop()
    }

    /// A send stored but whose answer was lost fails as `interrupted`; its retry with the
    /// same message id, through the other address of the same daemon, is a duplicate.
    @Test func interruptedSendRetriedIsStoredOnce() async throws {
        let server = try await InProcessServer.start()
        let first = try await TCPProxy.start(to: server.port)
        let second = try await TCPProxy.start(to: server.port)
        let client = try await AgentdClient.connect(servers: [Self.address(first.port), Self.address(second.port)])
        try await client.hello(agentID: "fo-once")
        first.mute()
        let sending = Task { try await client.send(to: "fo-inbox", content: ["n": 1], messageID: "once-1") }
        try await Task.sleep(for: .milliseconds(200))  // agentd stores it; the answer is swallowed
        await first.crash()
        let outcome = await sending.result
        #expect(throws: AgentdClientError.interrupted(server: Self.address(first.port))) { try outcome.get() }
        let retried = try await client.send(to: "fo-inbox", content: ["n": 1], messageID: "once-1")
        #expect(retried.duplicate && retried.messageID == "once-1")
        #expect(client.server == Self.address(second.port))
        let reader = try await AgentdClient.connect(port: server.port)
        try await reader.hello(agentID: "fo-inbox")
        #expect(try await reader.fetch(limit: 10).map(\.messageID) == ["once-1"])
        await reader.close()
        await client.close()
        await second.crash()
        await server.stop()
    }

    /// A draining daemon's `bye` event: the client closes at once and carries on with B;
    /// the event still shows on `events`.
    @Test func shutdownByeMovesToTheNextServer() async throws {
        let serverA = try await InProcessServer.start()
        let serverB = try await InProcessServer.start()
        let servers = [Self.address(serverA.port), Self.address(serverB.port)]
        let client = try await AgentdClient.connect(servers: servers)
        try await client.hello(agentID: "fo-drain")
        try await client.subscribe(prefetch: 5)
        await serverA.stop()
        var events = client.events.makeAsyncIterator()
        #expect(await events.next() == ["event": "bye", "reason": "shutdown"])
        // Made while failing over: waits for B.
        _ = try await Self.send(client, to: "fo-drain", 1)
        let pushed = await events.next()
        #expect(pushed?["message"]?["content"] == ["n": 1])
        #expect(client.server == servers[1])
        await client.close()
        #expect(await events.next() == nil)
        await serverB.stop()
    }

    /// A full daemon answers a new connection with `overloaded` and closes: the next one
    /// is used.
    @Test func overloadedServerIsSkipped() async throws {
        let full = try await InProcessServer.start { $0.maxConnections = 1 }
        let other = try await InProcessServer.start()
        let occupant = try await AgentdClient.connect(port: full.port)
        try await occupant.hello(agentID: "fo-occupant")
        let client = try await AgentdClient.connect(servers: [Self.address(full.port), Self.address(other.port)])
        // Retried like any request cut off by a failover.
        while true {
            do {
                try await client.hello(agentID: "fo-late")
                break
            } catch let error as AgentdClientError where error.isRetryable {
                continue
            }
        }
        #expect(client.server == Self.address(other.port))
        try await client.ping()
        await client.close()
        await occupant.close()
        await full.stop()
        await other.stop()
    }

    @Test func noServerAnsweringIsUnreachable() async throws {
        let relay = try await TCPProxy.start(to: 1)
        await relay.crash()  // a port that was just closed: refused
        let closed = Self.address(relay.port)
        await #expect {
            _ = try await AgentdClient.connect(servers: [closed, closed], failover: FailoverConfiguration(maxAttempts: 3, initialBackoff: .milliseconds(10)))
        } throws: {
            // The last failure of each entry of the list.
            $0 as? AgentdClientError == .unreachable(Array(repeating: ConnectFailure(server: closed, reason: "connection refused"), count: 2))
        }
    }
}
