/// The life of a task: `pending → assigned → in_progress → completed | failed | timed_out`,
/// or `cancelled` from any state that has not ended. `input_required`: the assignee waits for
/// an answer (`resume_task`); the task stays its, with its deadline and lease stopped.
public enum TaskState: String, Sendable, CaseIterable {
    case pending
    case assigned
    case inProgress = "in_progress"
    case inputRequired = "input_required"
    case completed
    case failed
    case timedOut = "timed_out"
    case cancelled

    /// True once the task can change no more.
    public var isFinal: Bool {
        switch self {
        case .completed, .failed, .timedOut, .cancelled: true
        case .pending, .assigned, .inProgress, .inputRequired: false
        }
    }

    /// True while an agent works on the task (its deadline and lease run).
    public var isHeld: Bool { self == .assigned || self == .inProgress }

    /// True while the task is an agent's: held, or waiting for input.
    public var isAssigned: Bool { self.isHeld || self == .inputRequired }
}
