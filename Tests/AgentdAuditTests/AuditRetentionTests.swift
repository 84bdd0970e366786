import Foundation
import Testing

@testable import AgentdAudit

@Suite struct AuditRetentionTests {
    @Test func oldDayFoldersGoTheRestStays() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fileManager = FileManager.default
        let names = ["2000-01-01", "2026-02-11", "2026-02-12", "2026-03-14", "notes", "2026-1-01"]
        for name in names {
            try fileManager.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
            #expect(fileManager.createFile(atPath: directory.appendingPathComponent("\(name)/f.jsonl").path, contents: Data()))
        }
        // A file named like a day is not a day folder.
        #expect(fileManager.createFile(atPath: directory.appendingPathComponent("1999-12-31").path, contents: Data()))

        // Today 2026-03-14, 30 days kept: 2026-02-12 is the oldest kept.
        let oldest = AuditRetention.oldestKept(nowMilliseconds: noonMarch14, days: 30)
        #expect(oldest.name == "2026-02-12")
        let removed = try AuditRetention.sweep(directory, oldestKept: oldest)
        #expect(removed == ["2000-01-01", "2026-02-11"])
        let left = try fileManager.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(left == ["1999-12-31", "2026-02-12", "2026-03-14", "2026-1-01", "notes"])
    }

    @Test func startDeletesOldFoldersAndKeepsToday() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["2000-01-01", "2026-03-14"] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let log = makeLog(directory, clock: ManualWallClock(noonMarch14), retentionDays: 1)
        log.start()
        log.shutdown()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["2026-03-14"])
    }

    @Test func aMissingDirectoryIsNothingToDelete() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("agentd-missing-\(UUID().uuidString)")
        #expect(try AuditRetention.sweep(missing, oldestKept: AuditDay(millisecondsSinceEpoch: noonMarch14)).isEmpty)
    }

    @Test func dayNames() {
        #expect(AuditDay(millisecondsSinceEpoch: 0).name == "1970-01-01")
        #expect(AuditDay(millisecondsSinceEpoch: noonMarch14).relativePath(.messageAudit) == "2026-03-14/message_audit_2026-03-14.jsonl")
        #expect(AuditDay(folderName: "2026-03-14") != nil)
        for bad in ["2026-03-4", "2026_03_14", "20260314xx", "abcd-ef-gh", ""] {
            #expect(AuditDay(folderName: bad) == nil, "\(bad)")
        }
    }
}
