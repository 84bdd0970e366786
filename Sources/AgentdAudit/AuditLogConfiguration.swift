import Foundation

/// Settings of an `AuditLog`.
public struct AuditLogConfiguration: Sendable {
    /// The audit directory (`audit_dir`); day folders are made inside it.
    public var directory: String
    /// Day folders older than this many days before today are deleted (`audit_retention_days`).
    public var retentionDays: Int
    /// Events held while the writer catches up; past it new events are dropped and counted.
    /// Default 65 536: at ~200 bytes a line, about 13 MB, a few seconds of a busy broker.
    public var bufferCapacity: Int = 65_536
    /// Buffered events are written at least this often, in milliseconds. Default 1 000.
    public var flushIntervalMilliseconds: Int = 1_000
    /// How often old day folders are looked for, in milliseconds. Default 3 600 000 (hourly).
    public var retentionIntervalMilliseconds: Int = 3_600_000
    /// Wall-clock epoch milliseconds: stamps events and tells today's date (tests inject one).
    public var now: @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)) }

    /// Settings with the defaults above.
    /// - Parameters:
    ///   - directory: where the day folders go.
    ///   - retentionDays: how many days before today are kept.
    public init(directory: String, retentionDays: Int) {
        self.directory = directory
        self.retentionDays = retentionDays
    }
}
