import Testing
import RedisStreams

@Suite struct PendingEntryTests {
    @Test func decodesRows() throws {
        let reply = RedisReply.array([
            .array([.text("1-0"), .text("c1"), .integer(1500), .integer(2)]),
            .array([.text("2-0"), .text("c2"), .integer(0), .integer(1)]),
        ])
        #expect(try StreamReplies.pending(reply) == [
            PendingEntry(id: "1-0", consumer: "c1", idleMilliseconds: 1500, deliveries: 2),
            PendingEntry(id: "2-0", consumer: "c2", idleMilliseconds: 0, deliveries: 1),
        ])
        #expect(try StreamReplies.pending(.array([])).isEmpty)
    }

    @Test func rejectsBadShapes() {
        do {
            _ = try StreamReplies.pending(.array([.integer(4)]))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .protocolError)
            #expect(error.message == "XPENDING: expected array of 4 elements, got integer")
        }
        do {
            _ = try StreamReplies.pending(.array([.array([.text("1-0"), .text("c"), .text("x"), .integer(1)])]))
            Issue.record("expected a failure")
        } catch {
            #expect(error.message == "XPENDING: expected idle time and delivery count as integers, got bulk string and integer")
        }
        do {
            _ = try StreamReplies.pending(.error("NOGROUP No such key 's' or consumer group 'g'"))
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .serverError)
        }
    }
}
