/// The events accepted and not yet written, bounded: a full buffer drops new events (counted)
/// instead of growing or making the broker wait for the disk.
struct AuditBuffer: Sendable {
    let capacity: Int
    private(set) var events: [AuditEvent] = []
    private(set) var dropped = 0

    init(capacity: Int) {
        precondition(capacity > 0, "audit buffer capacity must be positive")
        self.capacity = capacity
    }

    /// Appends `event`; false when it was dropped.
    mutating func append(_ event: AuditEvent) -> Bool {
        guard self.events.count < self.capacity else {
            self.dropped += 1
            return false
        }
        self.events.append(event)
        return true
    }

    /// Everything buffered, oldest first; the buffer is empty afterwards.
    mutating func drain() -> [AuditEvent] {
        defer { self.events.removeAll(keepingCapacity: true) }
        return self.events
    }
}
