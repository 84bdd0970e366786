/// The life of a task: `pending → assigned → in_progress → completed | failed | timed_out`,
/// or `cancelled` from any state that has not ended.
public enum TaskState: String, Sendable, CaseIterable {
    case pending
    case assigned
    case inProgress = "in_progress"
    case completed
    case failed
    case timedOut = "timed_out"
    case cancelled

    /// True once the task can change no more.
    public var isFinal: Bool {
        switch self {
        case .completed, .failed, .timedOut, .cancelled: true
        case .pending, .assigned, .inProgress: false
        }
    }

    /// True while an agent holds the task.
    public var isHeld: Bool { self == .assigned || self == .inProgress }
}
