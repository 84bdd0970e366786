import Testing

@testable import AgentdAudit

@Suite struct AuditBufferTests {
    @Test func dropsPastCapacityAndCounts() {
        var buffer = AuditBuffer(capacity: 2)
        let accepted = ["a", "b", "c"].map { buffer.append(AuditEvent(.errors, $0)) }
        #expect(accepted == [true, true, false])
        #expect(buffer.dropped == 1)
        #expect(buffer.drain().map(\.name) == ["a", "b"])
        #expect(buffer.events.isEmpty)
        let again = buffer.append(AuditEvent(.errors, "d"))
        #expect(again, "room again after a drain")
        #expect(buffer.dropped == 1)
    }
}
