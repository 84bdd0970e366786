import AgentCore

/// A task followed by the coordinator (the contract's TaskInfo, plus what the coordinator
/// needs to retry it).
struct TaskRecord: Sendable {
    struct Event: Sendable {
        var at: Int64
        var event: String
        var agentID: String?
    }

    /// One assignment of the task: the contract's `attempts_log` entry.
    struct Attempt: Sendable, Equatable {
        var attempt: Int
        var lease: Int
        var agentID: String
        var startedAt: Int64
        var endedAt: Int64?
        /// `completed`, `failed`, `timed_out`, `lease_expired`, `orphaned`, `cancelled`; nil while open.
        var outcome: String?
        var error: JSONObject?
    }

    var taskID: String
    var taskType: String
    var description: String
    var parameters: JSONObject
    var requiredCapabilities: [String]
    var priority: Priority
    var state: TaskState
    var assignedTo: String?
    var supervisor: String
    var attempts: Int
    var maxRetries: Int
    var timeoutMilliseconds: Int
    /// Epoch ms of the current attempt's deadline.
    var deadline: Int64?
    var result: JSONValue?
    var error: JSONObject?
    var createdAt: Int64
    var updatedAt: Int64
    var history: [Event]
    /// Earlier assignees, avoided on retry while another agent qualifies.
    var previousAssignees: [String]
    /// Order among pending tasks of one priority.
    var sequence: UInt64
    /// The current (or last) assignment's number: 0 before the first, +1 at each.
    var lease = 0
    /// `lease_ms`: the assignee reports at least this often, or its attempt ends.
    var leaseMilliseconds: Int?
    /// Epoch ms at which the current lease runs out (nil without `lease_ms`, or not held).
    var leaseExpiresAt: Int64?
    /// One entry per assignment, oldest first.
    var attemptsLog: [Attempt] = []
    /// Limits on the reported usage (nil: none).
    var budget: TaskAmounts?
    /// Usage reported so far, over every attempt.
    var usage = TaskAmounts.zero
    /// The task this one is a sub-task of.
    var parentTaskID: String?
    /// Sub-tasks, oldest first.
    var children: [String] = []
    /// The parent's deadline when this sub-task was made: no attempt's deadline goes past it.
    var deadlineCap: Int64?
    /// While `input_required`: the ms the attempt had left when it stopped.
    var pausedRemaining: Int64?
    /// `resume_task`s so far (numbers the resume messages).
    var resumes = 0
    /// W3C trace context, carried by the task's `task_request` messages.
    var traceparent: String?

    /// When the held attempt must end: its deadline or its lease, whichever comes first.
    var nextDue: Int64? {
        switch (self.deadline, self.leaseExpiresAt) {
        case (let deadline?, let lease?): return min(deadline, lease)
        case (let deadline?, nil): return deadline
        case (nil, let lease?): return lease
        case (nil, nil): return nil
        }
    }

    /// Closes the open attempts-log entry with `outcome`.
    mutating func endAttempt(_ outcome: String, error: JSONObject? = nil, at now: Int64) {
        guard let last = self.attemptsLog.indices.last, self.attemptsLog[last].outcome == nil else { return }
        self.attemptsLog[last].outcome = outcome
        self.attemptsLog[last].endedAt = now
        self.attemptsLog[last].error = error
    }

    /// A report naming `lease` may act on this task: it is the current assignment's, and the
    /// task is still held. The one exception: the very report that completed the task, sent
    /// again (a retry after a lost reply) by the same agent, is let through, so that the
    /// retry is answered as the duplicate it is rather than refused.
    func accepts(lease: Int, status: String, from sender: String) -> Bool {
        guard lease == self.lease else { return false }
        if self.state.isAssigned { return self.assignedTo == sender }
        guard let last = self.attemptsLog.last else { return false }
        return self.state == .completed && status == "completed" && last.lease == lease && last.agentID == sender
    }
    mutating func record(_ event: String, agent: String?, at now: Int64) {
        self.history.append(Event(at: now, event: event, agentID: agent))
        self.updatedAt = now
    }

    /// May `agent` (with `role`) see this task?
    func isVisible(to agent: String, role: AgentRole?) -> Bool {
        if let role, role.seesEverything { return true }
        return self.supervisor == agent || self.assignedTo == agent || self.previousAssignees.contains(agent)
    }

    /// The `task_request` content the assignee receives.
    var requestContent: JSONObject {
        var content = JSONObject()
        content["task_id"] = .string(self.taskID)
        content["task_type"] = .string(self.taskType)
        content["description"] = .string(self.description)
        content["parameters"] = .object(self.parameters)
        content["deadline"] = self.deadline.map { .string(Timestamp(millisecondsSinceEpoch: $0).description) } ?? .null
        content["lease"] = .number(JSONNumber(self.lease))
        content["attempt"] = .number(JSONNumber(self.attempts))
        if let leaseMilliseconds = self.leaseMilliseconds {
            content["lease_ms"] = .number(JSONNumber(leaseMilliseconds))
        }
        return content
    }
}
