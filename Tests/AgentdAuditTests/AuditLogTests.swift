import AgentCore
import Foundation
import Testing

@testable import AgentdAudit

@Suite struct AuditLogTests {
    @Test func linesGoToTheCategoryFileOfTheDay() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualWallClock(noonMarch14 + 123)
        let log = makeLog(directory, clock: clock)
        log.start()
        log.record(AuditEvent(.agentActivity, "registered", ["agent_id": "w-1", "role": "worker"]))
        log.record(AuditEvent(.messageAudit, "sent", ["message_id": "m-1", "from_agent": "a\"b\n"]))
        log.shutdown()

        let activity = try readLines(directory.appendingPathComponent("2026-03-14/agent_activity_2026-03-14.jsonl"))
        #expect(activity == [["ts": "2026-03-14T12:00:00.123Z", "event": "registered", "agent_id": "w-1", "role": "worker"]])
        let messages = try readLines(directory.appendingPathComponent("2026-03-14/message_audit_2026-03-14.jsonl"))
        #expect(messages.count == 1)
        #expect(messages.first?["from_agent"] == "a\"b\n", "escaped on the way out, intact on the way in")
        #expect(messages.first?.keys == ["ts", "event", "message_id", "from_agent"])
        #expect(log.counters.written == 2)
    }

    @Test func nothingIsWrittenAfterShutdown() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = makeLog(directory, clock: ManualWallClock(noonMarch14))
        log.start()
        log.record(AuditEvent(.agentActivity, "before"))
        log.shutdown()
        log.record(AuditEvent(.agentActivity, "after"))
        log.flushNow()
        let lines = try readLines(directory.appendingPathComponent("2026-03-14/agent_activity_2026-03-14.jsonl"))
        #expect(lines.map { $0["event"] } == ["before"])
        #expect(log.counters.written == 1)
    }

    @Test func aNewDayGoesToANewFolder() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualWallClock(noonMarch14)
        let log = makeLog(directory, clock: clock)
        log.start()
        log.record(AuditEvent(.taskHistory, "assigned"))
        log.flushNow()
        clock.now += dayMilliseconds
        log.record(AuditEvent(.taskHistory, "completed"))
        log.shutdown()

        let first = try readLines(directory.appendingPathComponent("2026-03-14/task_history_2026-03-14.jsonl"))
        let second = try readLines(directory.appendingPathComponent("2026-03-15/task_history_2026-03-15.jsonl"))
        #expect(first.map { $0["event"] } == ["assigned"])
        #expect(second.map { $0["event"] } == ["completed"])
        #expect(second.first?["ts"] == "2026-03-15T12:00:00.000Z")
    }

    @Test func theEventsTimeDecidesTheDayNotTheFlushTime() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualWallClock(noonMarch14)
        let log = makeLog(directory, clock: clock)
        log.record(AuditEvent(.errors, "late", timestamp: noonMarch14 + dayMilliseconds / 2 - 1))  // 23:59:59.999
        log.record(AuditEvent(.errors, "early", timestamp: noonMarch14 + dayMilliseconds / 2))  // 00:00 next day
        log.shutdown()
        #expect(try readLines(directory.appendingPathComponent("2026-03-14/errors_2026-03-14.jsonl")).map { $0["event"] } == ["late"])
        #expect(try readLines(directory.appendingPathComponent("2026-03-15/errors_2026-03-15.jsonl")).map { $0["event"] } == ["early"])
    }

    @Test func appendsToAnExistingFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let clock = ManualWallClock(noonMarch14)
        for name in ["first", "second"] {
            let log = makeLog(directory, clock: clock)
            log.start()
            log.record(AuditEvent(.performance, name))
            log.shutdown()
        }
        let lines = try readLines(directory.appendingPathComponent("2026-03-14/performance_2026-03-14.jsonl"))
        #expect(lines.map { $0["event"] } == ["first", "second"], "a restart appends, never truncates")
    }

    @Test func deliveredFramesBecomeOneLinePerMessage() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = makeLog(directory, clock: ManualWallClock(noonMarch14))
        let plain = #"{"message_id":"m-1","from_agent":"a","to_agent":"b","message_type":"task_request","priority":"high","content":{},"delivery":{"attempt":2,"delivered_at":"x"}}"#
        let pushed = #"{"event":"message","message":{"message_id":"m-2","from_agent":"a","to_agent":"b","message_type":"status_update","priority":"normal","delivery":{"attempt":1}}}"#
        log.record(AuditEvent(.messageAudit, "delivered", payload: .deliveredFrames([Array(plain.utf8)], mode: "fetch")))
        log.record(AuditEvent(.messageAudit, "delivered", payload: .deliveredFrames([Array(pushed.utf8), Array("nope".utf8)], mode: "push")))
        log.shutdown()
        let lines = try readLines(directory.appendingPathComponent("2026-03-14/message_audit_2026-03-14.jsonl"))
        #expect(lines.count == 3)
        #expect(lines[0] == [
            "ts": "2026-03-14T12:00:00.000Z", "event": "delivered", "message_id": "m-1", "from_agent": "a", "to_agent": "b",
            "message_type": "task_request", "priority": "high", "attempt": 2, "mode": "fetch",
        ])
        #expect(lines[1]["message_id"] == "m-2" && lines[1]["attempt"] == 1 && lines[1]["mode"] == "push")
        #expect(lines[2]["error"] == "unparsable delivery frame")
    }

    @Test func aFullBufferDropsAndCounts() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = makeLog(directory, clock: ManualWallClock(noonMarch14), capacity: 8)
        log.whileWriterIsBusy {
            for index in 0..<20 {
                log.record(AuditEvent(.errors, "e\(index)"))
            }
        }
        log.flushNow()
        log.record(AuditEvent(.errors, "after"))
        log.shutdown()
        let counters = log.counters
        #expect(counters.dropped == 12, "20 events while the writer was stuck, room for 8")
        #expect(counters.written == 9)
        let lines = try readLines(directory.appendingPathComponent("2026-03-14/errors_2026-03-14.jsonl"))
        #expect(lines.count == counters.written)
    }

    @Test func anUnwritableDirectoryIsCountedNotFatal() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A regular file where the audit directory should be: nothing can be created inside.
        let blocked = directory.appendingPathComponent("blocked")
        #expect(FileManager.default.createFile(atPath: blocked.path, contents: Data("x".utf8)))
        let log = makeLog(blocked, clock: ManualWallClock(noonMarch14))
        log.start()
        log.record(AuditEvent(.agentActivity, "registered"))
        log.record(AuditEvent(.messageAudit, "sent"))
        log.flushNow()
        var counters = log.counters
        #expect(counters.written == 0)
        #expect(counters.writeErrors == 2)
        let failing = try #require(counters.failing)
        #expect(failing.hasPrefix("Not a directory: "), "short, errno first: \(failing)")

        // Writable again: the next flush writes, and says what was lost.
        try FileManager.default.removeItem(at: blocked)
        log.record(AuditEvent(.agentActivity, "deregistered"))
        log.flushNow()
        log.shutdown()
        counters = log.counters
        #expect(counters.failing == nil)
        #expect(counters.written == 2, "the new event, then the report of the failure")
        let errors = try readLines(blocked.appendingPathComponent("2026-03-14/errors_2026-03-14.jsonl"))
        #expect(errors.map { $0["event"] } == ["audit_write_failed"])
        #expect(errors.first?["lost_lines"] == 2)
    }
}
