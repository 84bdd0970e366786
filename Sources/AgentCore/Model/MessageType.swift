/// The kinds of message the protocol knows.
public enum MessageType: String, Sendable, CaseIterable {
    case taskRequest = "task_request"
    /// Accepted on send and stored as `task_request` (the original design had both names).
    case taskAssignment = "task_assignment"
    case taskResponse = "task_response"
    case statusUpdate = "status_update"
    case heartbeat = "heartbeat"
    case errorReport = "error_report"
    case coordination = "coordination"

    /// The type as stored and delivered.
    public var stored: MessageType {
        self == .taskAssignment ? .taskRequest : self
    }
}
