import AgentCore

/// The `coordination` part of `stats`.
struct CoordinationStats: Sendable {
    var total = 0
    var pending = 0
    var inProgress = 0
    var inputRequired = 0
    var completed = 0
    var failed = 0
    var timedOut = 0
    var cancelled = 0
    /// Tasks per exact state (`in_progress` above also counts `assigned`), for the
    /// `agentd_tasks` gauge.
    var byState: [TaskState: Int] = [:]

    /// `completed / (completed + failed + timed_out)`, 0 before any task finished.
    var completionRate: Double {
        let finished = self.completed + self.failed + self.timedOut
        return finished == 0 ? 0 : Double(self.completed) / Double(finished)
    }
}
