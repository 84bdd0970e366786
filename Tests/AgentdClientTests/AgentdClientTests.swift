import AgentCore
import AgentdClient
import NIOCore
import Testing

/// The Swift client against a real agent port (in process, memory store), over TCP.
@Suite struct AgentdClientTests {
    @Test func helloSendFetchAck() async throws {
        let server = try await InProcessServer.start()
        let client = try await AgentdClient.connect(port: server.port)
        try await client.hello(agentID: "alice")
        try await client.ping()
        let sent = try await client.send(to: "alice", type: "status_update", content: ["n": 1], priority: "high")
        #expect(!sent.messageID.isEmpty && !sent.duplicate)
        let again = try await client.send(to: "alice", content: ["n": 2], messageID: "fixed-1")
        let duplicate = try await client.send(to: "alice", content: ["n": 2], messageID: "fixed-1")
        #expect(again.messageID == "fixed-1" && duplicate.duplicate)
        let messages = try await client.fetch(limit: 10, wait: .seconds(1))
        #expect(messages.map(\.content) == [["n": 1], ["n": 2]])
        #expect(messages.allSatisfy { $0.fromAgent == "alice" && $0.toAgent == "alice" && $0.attempt == 1 })
        #expect(messages.first?.priority == "high")
        #expect(try await client.ack(messages.map(\.messageID)) == 2)
        #expect(try await client.fetch().isEmpty)
        await client.close()
        await server.stop()
    }

    /// 500 requests from 50 tasks at once on one connection: each gets its own reply.
    @Test func concurrentRequestsArePipelinedAndMatched() async throws {
        let server = try await InProcessServer.start()
        let client = try await AgentdClient.connect(port: server.port)
        try await client.hello(agentID: "many")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<50 {
                group.addTask {
                    for i in 0..<10 {
                        let id = "m-\(task)-\(i)"
                        let sent = try await client.send(to: "sink", content: ["i": .number(JSONNumber(i))], messageID: id)
                        #expect(sent.messageID == id)
                    }
                }
            }
            try await group.waitForAll()
        }
        let stats = try await client.stats()
        #expect(stats["queues"]?["sent_total"]?.intValue == 500)
        await client.close()
        await server.stop()
    }

    @Test func errorsCarryTheWireCode() async throws {
        let server = try await InProcessServer.start()
        let client = try await AgentdClient.connect(port: server.port)
        await #expect { try await client.fetch() } throws: { ($0 as? AgentdClientError)?.code == "unauthenticated" }
        await #expect { try await client.hello(agentID: "agentd") } throws: { ($0 as? AgentdClientError)?.code == "forbidden" }
        try await client.hello(agentID: "w")
        await #expect { try await client.request("no_such_op") } throws: { ($0 as? AgentdClientError)?.code == "unknown_op" }
        await #expect { try await client.fetch(limit: 0) } throws: { ($0 as? AgentdClientError)?.code == "bad_request" }
        await #expect { try await client.assignTask(type: "t", requiredCapabilities: []) } throws: {
            ($0 as? AgentdClientError)?.code == "forbidden"
        }
        // The connection survives every error.
        try await client.ping()
        await client.close()
        await server.stop()
    }

    @Test func subscribedMessagesArrivePushedAndNackRedelivers() async throws {
        let server = try await InProcessServer.start()
        let consumer = try await AgentdClient.connect(port: server.port)
        try await consumer.hello(agentID: "sub")
        try await consumer.subscribe(prefetch: 10)
        let producer = try await AgentdClient.connect(port: server.port)
        try await producer.hello(agentID: "pub")
        for i in 0..<3 {
            try await producer.send(to: "sub", content: ["i": .number(JSONNumber(i))])
        }
        var iterator = consumer.pushedMessages.makeAsyncIterator()
        var got: [DeliveredMessage] = []
        while got.count < 3, let message = await iterator.next() {
            got.append(message)
        }
        #expect(got.map(\.content) == [["i": 0], ["i": 1], ["i": 2]])
        #expect(got.allSatisfy { $0.fromAgent == "pub" && $0.attempt == 1 })
        #expect(try await consumer.nack([got[0].messageID]) == 1)
        let again = await iterator.next()
        #expect(again?.messageID == got[0].messageID && again?.attempt == 2)
        #expect(try await consumer.ack(got.map(\.messageID)) == 3)
        await consumer.close()
        await producer.close()
        await server.stop()
    }

    /// The coordinator through the client: assign, the worker's task_request, its report.
    @Test func assignTaskToAWorkerAndComplete() async throws {
        let server = try await InProcessServer.start()
        let boss = try await AgentdClient.connect(port: server.port)
        try await boss.hello(agentID: "boss")
        try await boss.register(role: "supervisor", capabilities: [])
        let worker = try await AgentdClient.connect(port: server.port)
        try await worker.hello(agentID: "w1")
        let info = try await worker.register(role: "worker", capabilities: ["nlp"], maxConcurrentTasks: 2)
        #expect(info["agent_id"] == "w1" && info["max_concurrent_tasks"] == 2)
        #expect(try await boss.agents(capabilities: ["nlp"], available: true).map { $0["agent_id"] } == ["w1"])

        let assigned = try await boss.assignTask(type: "summarise", requiredCapabilities: ["nlp"], parameters: ["doc": "a"])
        let taskID = try #require(assigned["task_id"]?.stringValue)
        #expect(assigned["assigned_to"] == "w1")
        let request = try #require(try await worker.fetch(wait: .seconds(2)).first)
        #expect(request.messageType == "task_request" && request.content["task_id"] == .string(taskID))
        try await worker.send(to: "boss", type: "task_response",
                              content: ["task_id": .string(taskID), "status": "completed", "result": ["ok": true]])
        try await worker.ack([request.messageID])
        let task = try await boss.task(taskID)
        #expect(task["state"] == "completed" && task["result"] == ["ok": true])
        #expect(try await boss.tasks(state: "completed").count == 1)
        let report = try await boss.fetch(wait: .seconds(2))
        #expect(report.map(\.messageType) == ["task_response"])
        #expect(try await boss.stats()["coordination"]?["completed"] == 1)
        #expect(try await boss.health()["status"] == "ok")
        await boss.close()
        await worker.close()
        await server.stop()
    }

    @Test func requestsAfterCloseFailAndDrainSendsBye() async throws {
        let server = try await InProcessServer.start()
        let client = try await AgentdClient.connect(port: server.port)
        try await client.hello(agentID: "leaver")
        try await client.bye()
        await #expect { try await client.ping() } throws: {
            if case .connectionClosed = $0 as? AgentdClientError { return true }
            return false
        }

        let watcher = try await AgentdClient.connect(port: server.port)
        try await watcher.hello(agentID: "watcher")
        await server.stop()
        var events: [JSONObject] = []
        for await event in watcher.events {
            events.append(event)
        }
        #expect(events == [["event": "bye", "reason": "shutdown"]])
    }
}
