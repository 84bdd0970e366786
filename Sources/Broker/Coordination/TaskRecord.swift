import AgentCore

/// A task followed by the coordinator (the contract's TaskInfo, plus what the coordinator
/// needs to retry it).
struct TaskRecord: Sendable {
    struct Event: Sendable {
        var at: Int64
        var event: String
        var agentID: String?
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
        return content
    }
}
