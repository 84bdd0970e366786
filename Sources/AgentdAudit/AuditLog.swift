import AgentCore
import Dispatch
import Foundation
import Logging
import NIOConcurrencyHelpers

/// The audit log: daily JSONL files under `audit_dir`, written off the hot path.
///
/// `record` only appends the event to a bounded buffer under a lock. A writer on its own
/// serial queue renders and appends the buffered lines at least every flush interval, sooner
/// when the buffer fills up, and on `shutdown`. A full buffer drops events (counted) rather
/// than slowing message flow; a file that cannot be written (full disk, permissions) loses
/// its lines (counted, warned about once per episode) and never stops agentd.
///
/// `files`, `timer`, `stopped`, `lastRetention`, `lostInEpisode` and `messages` are touched
/// only on `queue`.
public final class AuditLog: AuditSink, @unchecked Sendable {  // @unchecked: mutable state confined to `queue` or locked
    private let configuration: AuditLogConfiguration
    private let logger: Logger
    private let buffer: NIOLockedValueBox<(AuditBuffer, flushScheduled: Bool)>
    private let state = NIOLockedValueBox(AuditCounters())
    private let queue = DispatchQueue(label: "agentd.audit")
    private let files: AuditFiles
    private var timer: (any DispatchSourceTimer)?
    /// After `shutdown`: nothing more is written (an early flush queued meanwhile would reopen files).
    private var stopped = false
    private var lastRetention: Int64 = 0
    private var lostInEpisode = 0
    /// Sender, type and priority of recent messages, for the lines of their acks and nacks.
    private var messages = AuditMessageIndex(capacity: 100_000)
    /// A flush is asked for early once this many events wait: big batches, but well before full.
    private let earlyFlushThreshold: Int

    /// Creates the log; nothing is written before `start`.
    public init(configuration: AuditLogConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.buffer = NIOLockedValueBox((AuditBuffer(capacity: configuration.bufferCapacity), false))
        self.files = AuditFiles(directory: URL(fileURLWithPath: configuration.directory, isDirectory: true))
        self.earlyFlushThreshold = max(1, configuration.bufferCapacity / 4)
    }

    /// Deletes day folders past the retention, then writes every flush interval until `shutdown`.
    public func start() {
        self.queue.sync {
            self.applyRetentionIfDue(force: true)
            let timer = DispatchSource.makeTimerSource(queue: self.queue)
            let interval = DispatchTimeInterval.milliseconds(self.configuration.flushIntervalMilliseconds)
            timer.schedule(deadline: .now() + interval, repeating: interval)
            timer.setEventHandler { [weak self] in self?.flush() }
            timer.resume()
            self.timer = timer
        }
    }

    /// Writes what is buffered and closes the files; later events are buffered (up to the
    /// capacity) but never written.
    public func shutdown() {
        self.queue.sync {
            self.timer?.cancel()
            self.timer = nil
            self.flush()
            self.files.closeAll()
            self.stopped = true
        }
    }

    /// Writes what is buffered now and waits for it (tests, and a final snapshot before exit).
    public func flushNow() {
        self.queue.sync { self.flush() }
    }

    /// Runs `body` while the writer is busy, as when the disk is slow (tests of the buffer limit).
    func whileWriterIsBusy(_ body: () -> Void) {
        self.queue.sync(execute: body)
    }

    // MARK: AuditSink

    /// True: this sink writes.
    public var isEnabled: Bool { true }

    /// Buffers `event`, stamped now if it has no time; drops it (counted) when the buffer is full.
    public func record(_ event: AuditEvent) {
        var event = event
        if event.timestamp == nil {
            event.timestamp = self.configuration.now()
        }
        let flushEarly = self.buffer.withLockedValue { buffer -> Bool in
            guard buffer.0.append(event), buffer.0.events.count >= self.earlyFlushThreshold else { return false }
            guard !buffer.flushScheduled else { return false }
            buffer.flushScheduled = true
            return true
        }
        if flushEarly {
            self.queue.async { self.flush() }
        }
    }

    /// Written, dropped and failed lines, and the current failure if any.
    public var counters: AuditCounters {
        var counters = self.state.withLockedValue { $0 }
        counters.dropped = self.buffer.withLockedValue { $0.0.dropped }
        return counters
    }

    // MARK: Writer (on `queue`)

    private func flush() {
        dispatchPrecondition(condition: .onQueue(self.queue))
        guard !self.stopped else { return }
        let events = self.buffer.withLockedValue { buffer -> [AuditEvent] in
            buffer.flushScheduled = false
            return buffer.0.drain()
        }
        self.applyRetentionIfDue(force: false)
        guard !events.isEmpty else { return }
        // One write per file per flush: group the lines by file, keeping their order.
        var groups: [(category: AuditCategory, day: AuditDay, bytes: [UInt8], lines: Int)] = []
        for event in events {
            let timestamp = event.timestamp ?? self.configuration.now()
            let day = AuditDay(millisecondsSinceEpoch: timestamp)
            let lines = AuditLineEncoder.lines(event, at: timestamp, index: &self.messages)
            if let last = groups.indices.last, groups[last].category == event.category, groups[last].day == day {
                groups[last].bytes += lines.joined()
                groups[last].lines += lines.count
            } else if let index = groups.firstIndex(where: { $0.category == event.category && $0.day == day }) {
                groups[index].bytes += lines.joined()
                groups[index].lines += lines.count
            } else {
                groups.append((event.category, day, Array(lines.joined()), lines.count))
            }
        }
        for group in groups {
            do {
                try self.files.append(group.bytes, to: group.category, day: group.day)
                self.wrote(group.lines)
            } catch {
                self.failed(group.lines, error)
            }
        }
    }

    private func wrote(_ lines: Int) {
        let recovered = self.state.withLockedValue { state -> String? in
            state.written += lines
            defer { state.failing = nil }
            return state.failing
        }
        guard let previous = recovered else { return }
        let lost = self.lostInEpisode
        self.lostInEpisode = 0
        self.logger.notice("audit log is writable again", metadata: ["agentd.audit.lost_lines": "\(lost)"])
        var fields = JSONObject()
        fields["error"] = .string(previous)
        fields["lost_lines"] = .number(JSONNumber(lost))
        self.record(AuditEvent(.errors, "audit_write_failed", fields))
    }

    private func failed(_ lines: Int, _ error: any Error) {
        let message = AuditErrorDescription.describe(error)
        let firstInEpisode = self.state.withLockedValue { state -> Bool in
            state.writeErrors += lines
            defer { state.failing = message }
            return state.failing == nil
        }
        self.lostInEpisode += lines
        if firstInEpisode {
            // Once per episode: a full disk would otherwise log a warning every second.
            self.logger.warning(
                "audit log cannot be written; its lines are dropped until it can",
                metadata: ["agentd.audit.dir": "\(self.configuration.directory)", "agentd.error": "\(message)"]
            )
        }
    }

    private func applyRetentionIfDue(force: Bool) {
        dispatchPrecondition(condition: .onQueue(self.queue))
        let now = self.configuration.now()
        guard force || now - self.lastRetention >= Int64(self.configuration.retentionIntervalMilliseconds) else { return }
        self.lastRetention = now
        let oldest = AuditRetention.oldestKept(nowMilliseconds: now, days: self.configuration.retentionDays)
        do {
            let removed = try AuditRetention.sweep(self.files.directory, oldestKept: oldest)
            if !removed.isEmpty {
                self.logger.info("deleted old audit folders", metadata: ["agentd.audit.removed": "\(removed)"])
            }
        } catch {
            self.logger.warning(
                "audit retention failed",
                metadata: [
                    "agentd.audit.dir": "\(self.configuration.directory)",
                    "agentd.error": "\(AuditErrorDescription.describe(error))",
                ]
            )
        }
    }
}
