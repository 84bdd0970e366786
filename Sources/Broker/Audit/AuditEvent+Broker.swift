import AgentCore
import AgentdAudit

/// The broker's audit events, built where they happen (one-line hook calls) and rendered on
/// the audit writer's queue. Field names follow the wire's (`agent_id`, `message_id`, `task_id`).
extension AuditEvent {
    // MARK: agent_activity

    static func agentRegistered(_ record: AgentRecord) -> Self {
        Self(.agentActivity, "registered", [
            "agent_id": .string(record.agentID),
            "role": .string(record.role.rawValue),
            "capabilities": .array(record.capabilities.map { .string($0) }),
            "max_concurrent_tasks": .number(JSONNumber(record.maxConcurrentTasks)),
        ])
    }

    static func agentDeregistered(_ agentID: String) -> Self {
        Self(.agentActivity, "deregistered", ["agent_id": .string(agentID)])
    }

    /// An agent marked offline spoke again (`reason`: `heartbeat`, `frame`).
    static func agentOnline(_ agentID: String, reason: String) -> Self {
        Self(.agentActivity, "online", ["agent_id": .string(agentID), "reason": .string(reason)])
    }

    /// The sweeper found the agent silent past `heartbeat_timeout_ms`.
    static func agentOffline(_ agentID: String, lastSeen: Int64) -> Self {
        Self(.agentActivity, "offline", [
            "agent_id": .string(agentID),
            "reason": "heartbeat_timeout",
            "last_seen": .string(Timestamp(millisecondsSinceEpoch: lastSeen).description),
        ])
    }

    // MARK: message_audit

    static func messageSent(_ messageID: String, from sender: String, _ request: SendRequest) -> Self {
        var fields: JSONObject = [
            "message_id": .string(messageID),
            "from_agent": .string(sender),
            "to_agent": .string(request.toAgent),
            "message_type": .string(request.messageType.rawValue),
            "priority": .string(request.priority.rawValue),
        ]
        if let delay = request.delayMilliseconds, delay > 0 { fields["delay_ms"] = .number(JSONNumber(delay)) }
        if let ttl = request.ttlMilliseconds { fields["ttl_ms"] = .number(JSONNumber(ttl)) }
        return Self(.messageAudit, "sent", fields)
    }

    /// Frames handed to a fetch or pushed to a subscriber; parsed by the writer.
    static func messagesDelivered(_ frames: [[UInt8]], mode: String) -> Self {
        Self(.messageAudit, "delivered", payload: .deliveredFrames(frames, mode: mode))
    }

    /// `event`: `acked` or `nacked`; one record per message with the attempt that ended.
    static func messagesSettled(_ event: String, agent: String, _ messages: [(id: String, attempt: Int)]) -> [Self] {
        messages.map { message in
            Self(.messageAudit, event, [
                "message_id": .string(message.id),
                "to_agent": .string(agent),
                "attempt": .number(JSONNumber(message.attempt)),
            ])
        }
    }

    static func messageDeadLettered(inbox: String, ref: EntryRef, reason: DeadLetterReason) -> Self {
        var fields: JSONObject = ["to_agent": .string(inbox)]
        if let messageID = reason.messageID { fields["message_id"] = .string(messageID) }
        fields["priority"] = .string(ref.priority.rawValue)
        fields["attempt"] = .number(JSONNumber(reason.attempts))
        fields["reason"] = .string(reason.reason)
        fields["entry_id"] = .string(ref.entryID.description)
        return Self(.messageAudit, "dead_lettered", fields)
    }

    /// Messages whose TTL ran out before delivery (the store reports a count, not ids).
    static func messagesExpired(inbox: String, count: Int) -> Self {
        Self(.messageAudit, "expired", ["to_agent": .string(inbox), "count": .number(JSONNumber(count))])
    }

    // MARK: task_history

    /// `event` names what happened; `agent` who did it or got it.
    static func task(_ event: String, _ task: TaskRecord, agent: String?, error: JSONObject? = nil) -> Self {
        var fields: JSONObject = [
            "task_id": .string(task.taskID),
            "task_type": .string(task.taskType),
            "supervisor": .string(task.supervisor),
            "state": .string(task.state.rawValue),
            "attempt": .number(JSONNumber(task.attempts)),
        ]
        if let agent { fields["agent_id"] = .string(agent) }
        if let message = error?["message"] { fields["error"] = message }
        if let kind = error?["kind"] { fields["error_kind"] = kind }
        // The agent-native parts: which assignment, how it ended, what was spent, resumes.
        if task.lease > 0 { fields["lease"] = .number(JSONNumber(task.lease)) }
        if let outcome = task.attemptsLog.last?.outcome { fields["outcome"] = .string(outcome) }
        if task.usage != .zero { fields["usage"] = .object(task.usage.jsonObject) }
        if task.resumes > 0 { fields["resumes"] = .number(JSONNumber(task.resumes)) }
        if let parent = task.parentTaskID { fields["parent_task_id"] = .string(parent) }
        return Self(.taskHistory, event, fields)
    }

    // MARK: errors

    /// A store call that failed outside a request (`what`: `take`, `dead_letter`, `save_task`…).
    static func storeError(_ what: String, agent: String? = nil, _ error: any Error) -> Self {
        var fields: JSONObject = ["operation": .string(what)]
        if let agent { fields["agent_id"] = .string(agent) }
        fields["error"] = .string("\(error)")
        return Self(.errors, "store_error", fields)
    }

    static func helloRefused(agent: String, remote: String) -> Self {
        Self(.errors, "auth_failed", ["agent_id": .string(agent), "remote": .string(remote)])
    }

    /// A request that failed with `internal` or `unavailable`.
    static func requestFailed(_ failure: AgentdError) -> Self {
        Self(.errors, failure.code == .internal ? "internal_error" : "store_unavailable", [
            "code": .string(failure.code.rawValue),
            "error": .string("\(failure)"),
        ])
    }
}
