import AgentCore

/// One count per priority, without a dictionary or an allocation: the delivery state keeps
/// these under its lock on every delivery.
struct PriorityCounts: Sendable, Equatable {
    var critical = 0
    var high = 0
    var medium = 0
    var low = 0

    subscript(priority: Priority) -> Int {
        get {
            switch priority {
            case .critical: self.critical
            case .high: self.high
            case .medium: self.medium
            case .low: self.low
            }
        }
        set {
            switch priority {
            case .critical: self.critical = newValue
            case .high: self.high = newValue
            case .medium: self.medium = newValue
            case .low: self.low = newValue
            }
        }
    }

    var isZero: Bool { self == PriorityCounts() }
}

/// Deliveries the delivery state made since the engine last collected them. The state is a
/// value under a lock; counting here and reporting outside the lock keeps metric handlers
/// (which may take locks of their own) out of it.
struct DeliveryTally: Sendable, Equatable {
    /// Every delivery, first attempts and redeliveries.
    var delivered = PriorityCounts()
    /// Deliveries with an attempt number above 1.
    var redelivered = PriorityCounts()

    var isEmpty: Bool { self.delivered.isZero }

    mutating func count(_ priority: Priority, attempt: Int) {
        self.delivered[priority] += 1
        if attempt > 1 {
            self.redelivered[priority] += 1
        }
    }
}
