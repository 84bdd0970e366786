import AgentCore
import Foundation
import Logging

@testable import AgentdAudit

/// A wall clock the test sets by hand.
final class ManualWallClock: @unchecked Sendable {  // @unchecked: guarded by `lock`
    private let lock = NSLock()
    private var value: Int64

    init(_ value: Int64) { self.value = value }

    var now: Int64 {
        get { self.lock.withLock { self.value } }
        set { self.lock.withLock { self.value = newValue } }
    }
}

/// 2026-03-14T12:00:00.000Z
let noonMarch14: Int64 = 1_773_489_600_000
let dayMilliseconds: Int64 = 86_400_000

/// A fresh directory under the temporary directory, removed by the caller.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("agentd-audit-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The JSON objects of one JSONL file, in order.
func readLines(_ url: URL) throws -> [JSONObject] {
    let text = try String(contentsOf: url, encoding: .utf8)
    return try text.split(separator: "\n").map { line in
        guard let object = try JSONParser.parse(String(line)).objectValue else {
            throw TestFailure("not an object: \(line)")
        }
        return object
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A log with an injected clock over `directory`.
func makeLog(_ directory: URL, clock: ManualWallClock, retentionDays: Int = 30, capacity: Int = 1_000) -> AuditLog {
    var configuration = AuditLogConfiguration(directory: directory.path, retentionDays: retentionDays)
    configuration.now = { clock.now }
    configuration.bufferCapacity = capacity
    configuration.flushIntervalMilliseconds = 60_000  // the tests flush by hand
    return AuditLog(configuration: configuration, logger: Logger(label: "test"))
}
