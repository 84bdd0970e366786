/// Where the broker hands its audit events. `record` must be cheap and must never block: it is
/// called on event loops, in the middle of message flow.
public protocol AuditSink: Sendable {
    /// False when events are thrown away anyway; lets callers skip building costly ones.
    var isEnabled: Bool { get }
    /// Accepts one event (or drops it, counted, when the writer cannot keep up).
    func record(_ event: AuditEvent)
    /// What became of the events so far, for `stats`.
    var counters: AuditCounters { get }
}

/// The default sink: audit logging off (`audit_dir` unset).
public struct NoAuditSink: AuditSink {
    /// Creates the sink that records nothing.
    public init() {}
    /// Always false.
    public var isEnabled: Bool { false }
    /// Does nothing.
    public func record(_ event: AuditEvent) {}
    /// All zero.
    public var counters: AuditCounters { AuditCounters() }
}

/// What an audit log did with the events it was given.
public struct AuditCounters: Sendable, Equatable {
    /// Lines appended to the files.
    public var written: Int = 0
    /// Events dropped because the buffer was full (the disk did not keep up).
    public var dropped: Int = 0
    /// Lines lost because a file could not be opened or written (full disk, permissions).
    public var writeErrors: Int = 0
    /// The last write failure, while it lasts; nil once writing works again.
    public var failing: String?

    /// All zero.
    public init() {}
}
