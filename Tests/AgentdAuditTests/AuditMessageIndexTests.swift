import AgentCore
import Testing

@testable import AgentdAudit

@Suite struct AuditMessageIndexTests {
    private let sent: JSONObject = [
        "message_id": "m-1", "from_agent": "alice", "to_agent": "bob", "message_type": "task_request", "priority": "high",
    ]

    @Test func acksAndNacksGetTheSenderTypeAndPriority() {
        var index = AuditMessageIndex(capacity: 10)
        #expect(index.enrich("sent", self.sent) == self.sent, "sent lines are written as they are")
        let nacked = index.enrich("nacked", ["message_id": "m-1", "to_agent": "bob", "attempt": 1])
        #expect(nacked == [
            "message_id": "m-1", "to_agent": "bob", "attempt": 1, "from_agent": "alice", "message_type": "task_request",
            "priority": "high",
        ])
        let acked = index.enrich("acked", ["message_id": "m-1", "to_agent": "bob", "attempt": 2])
        #expect(acked["from_agent"] == "alice")
        #expect(index.count == 0, "an acked message is forgotten")
        #expect(index.enrich("acked", ["message_id": "m-1"]) == ["message_id": "m-1"])
    }

    @Test func deliveredTeachesToo() {
        var index = AuditMessageIndex(capacity: 10)
        _ = index.enrich("delivered", ["message_id": "m-2", "from_agent": "carol", "message_type": "heartbeat", "priority": "low"])
        #expect(index.enrich("dead_lettered", ["message_id": "m-2", "attempt": 5])["from_agent"] == "carol")
    }

    @Test func boundedOldestForgottenFirst() {
        var index = AuditMessageIndex(capacity: 3)
        for n in 1...5 {
            _ = index.enrich("sent", ["message_id": .string("m-\(n)"), "from_agent": .string("a\(n)")])
        }
        #expect(index.count == 3)
        #expect(index.enrich("acked", ["message_id": "m-2"])["from_agent"] == nil)
        #expect(index.enrich("acked", ["message_id": "m-3"])["from_agent"] == "a3")
        // Many more than the capacity: memory stays bounded.
        for n in 6...20_000 {
            _ = index.enrich("sent", ["message_id": .string("m-\(n)"), "from_agent": "x"])
            _ = index.enrich("acked", ["message_id": .string("m-\(n)")])
        }
        #expect(index.count <= 3)
    }
}
