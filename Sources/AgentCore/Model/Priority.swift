/// Message priority; delivery takes higher priorities first.
public enum Priority: String, Sendable, CaseIterable, Comparable {
    case low
    case medium
    case high
    case critical

    /// Priorities from the first to be delivered to the last.
    public static let deliveryOrder: [Priority] = [.critical, .high, .medium, .low]

    /// Position in `deliveryOrder` (0 = delivered first).
    public var deliveryRank: Int {
        switch self {
        case .critical: 0
        case .high: 1
        case .medium: 2
        case .low: 3
        }
    }

    /// Orders by urgency: `low < medium < high < critical`.
    public static func < (lhs: Priority, rhs: Priority) -> Bool {
        lhs.deliveryRank > rhs.deliveryRank
    }
}
