import AgentCore

extension TaskRecord {
    /// The wire form (TaskInfo).
    func write(to w: inout JSONWriter) {
        w.writeValue(.object(self.wireObject))
    }

    private var wireObject: JSONObject {
        var o = JSONObject()
        o["task_id"] = .string(self.taskID)
        o["task_type"] = .string(self.taskType)
        o["description"] = .string(self.description)
        o["parameters"] = .object(self.parameters)
        o["required_capabilities"] = .array(self.requiredCapabilities.map { .string($0) })
        o["priority"] = .string(self.priority.rawValue)
        o["state"] = .string(self.state.rawValue)
        o["assigned_to"] = self.assignedTo.map { .string($0) } ?? .null
        o["supervisor"] = .string(self.supervisor)
        o["attempts"] = .number(JSONNumber(self.attempts))
        o["max_retries"] = .number(JSONNumber(self.maxRetries))
        o["deadline"] = self.deadline.map { time($0) } ?? .null
        if self.state == .completed {
            o["result"] = self.result ?? .null
        }
        if let error = self.error {
            o["error"] = .object(error)
        }
        o["lease"] = .number(JSONNumber(self.lease))
        o["lease_expires_at"] = self.leaseExpiresAt.map { time($0) } ?? .null
        o["attempts_log"] = .array(
            self.attemptsLog.map { entry in
                var e = JSONObject()
                e["attempt"] = .number(JSONNumber(entry.attempt))
                e["lease"] = .number(JSONNumber(entry.lease))
                e["agent_id"] = .string(entry.agentID)
                e["started_at"] = time(entry.startedAt)
                e["ended_at"] = entry.endedAt.map { time($0) } ?? .null
                e["outcome"] = entry.outcome.map { .string($0) } ?? .null
                if let error = entry.error { e["error"] = .object(error) }
                return .object(e)
            }
        )
        o["budget"] = self.budget.map { .object($0.jsonObject) } ?? .null
        o["usage"] = .object(self.usage.jsonObject)
        o["parent_task_id"] = self.parentTaskID.map { .string($0) } ?? .null
        o["children"] = .array(self.children.map { .string($0) })
        o["traceparent"] = self.traceparent.map { .string($0) } ?? .null
        o["created_at"] = time(self.createdAt)
        o["updated_at"] = time(self.updatedAt)
        o["history"] = .array(
            self.history.map { event in
                var e = JSONObject()
                e["at"] = time(event.at)
                e["event"] = .string(event.event)
                e["agent_id"] = event.agentID.map { .string($0) } ?? .null
                return .object(e)
            }
        )
        return o
    }

    /// The stored form: the wire form plus exact times and the retry bookkeeping.
    var storedJSON: [UInt8] {
        var o = self.wireObject
        o["timeout_ms"] = .number(JSONNumber(self.timeoutMilliseconds))
        o["deadline_ms"] = self.deadline.map { .number(JSONNumber($0)) } ?? .null
        o["created_ms"] = .number(JSONNumber(self.createdAt))
        o["updated_ms"] = .number(JSONNumber(self.updatedAt))
        o["history_ms"] = .array(self.history.map { .number(JSONNumber($0.at)) })
        o["previous_assignees"] = .array(self.previousAssignees.map { .string($0) })
        o["sequence"] = .number(JSONNumber(Int64(truncatingIfNeeded: self.sequence)))
        o["lease_ms"] = self.leaseMilliseconds.map { .number(JSONNumber($0)) } ?? .null
        o["deadline_cap_ms"] = self.deadlineCap.map { .number(JSONNumber($0)) } ?? .null
        o["paused_remaining_ms"] = self.pausedRemaining.map { .number(JSONNumber($0)) } ?? .null
        o["resumes"] = .number(JSONNumber(self.resumes))
        o["lease_expires_ms"] = self.leaseExpiresAt.map { .number(JSONNumber($0)) } ?? .null
        o["attempts_ms"] = .array(
            self.attemptsLog.map { entry in
                .array([.number(JSONNumber(entry.startedAt)), entry.endedAt.map { .number(JSONNumber($0)) } ?? .null])
            }
        )
        return JSONValue.object(o).jsonBytes
    }

    /// Reads the stored form; nil when it is not one.
    init?(stored bytes: [UInt8]) {
        guard case .object(let o)? = try? JSONParser.parse(bytes),
            let id = o["task_id"]?.stringValue,
            let type = o["task_type"]?.stringValue,
            let stateName = o["state"]?.stringValue, let state = TaskState(rawValue: stateName),
            let supervisor = o["supervisor"]?.stringValue
        else { return nil }
        self.taskID = id
        self.taskType = type
        self.state = state
        self.supervisor = supervisor
        self.description = o["description"]?.stringValue ?? ""
        self.parameters = o["parameters"]?.objectValue ?? JSONObject()
        self.requiredCapabilities = (o["required_capabilities"]?.arrayValue ?? []).compactMap(\.stringValue)
        self.priority = o["priority"]?.stringValue.flatMap(Priority.init(rawValue:)) ?? .medium
        self.assignedTo = o["assigned_to"]?.stringValue
        self.attempts = o["attempts"]?.intValue ?? 0
        self.maxRetries = o["max_retries"]?.intValue ?? 0
        self.timeoutMilliseconds = o["timeout_ms"]?.intValue ?? 300_000
        self.deadline = o["deadline_ms"]?.int64Value
        self.result = o["result"]
        self.error = o["error"]?.objectValue
        self.createdAt = o["created_ms"]?.int64Value ?? 0
        self.updatedAt = o["updated_ms"]?.int64Value ?? 0
        let times = (o["history_ms"]?.arrayValue ?? []).map { $0.int64Value ?? 0 }
        let events = o["history"]?.arrayValue ?? []
        self.history = events.enumerated().map { index, value in
            Event(
                at: index < times.count ? times[index] : 0,
                event: value["event"]?.stringValue ?? "",
                agentID: value["agent_id"]?.stringValue
            )
        }
        self.previousAssignees = (o["previous_assignees"]?.arrayValue ?? []).compactMap(\.stringValue)
        self.sequence = UInt64(truncatingIfNeeded: o["sequence"]?.int64Value ?? 0)
        self.lease = o["lease"]?.intValue ?? 0
        self.budget = o["budget"]?.objectValue.flatMap { try? TaskAmounts($0, field: "budget") }
        self.usage = o["usage"]?.objectValue.flatMap { try? TaskAmounts($0, field: "usage") }.map { $0 + .zero } ?? .zero
        self.parentTaskID = o["parent_task_id"]?.stringValue
        self.children = (o["children"]?.arrayValue ?? []).compactMap(\.stringValue)
        self.deadlineCap = o["deadline_cap_ms"]?.int64Value
        self.pausedRemaining = o["paused_remaining_ms"]?.int64Value
        self.resumes = o["resumes"]?.intValue ?? 0
        self.traceparent = o["traceparent"]?.stringValue
        self.leaseMilliseconds = o["lease_ms"]?.intValue
        self.leaseExpiresAt = o["lease_expires_ms"]?.int64Value
        let attemptTimes = (o["attempts_ms"]?.arrayValue ?? []).map { $0.arrayValue ?? [] }
        self.attemptsLog = (o["attempts_log"]?.arrayValue ?? []).enumerated().map { index, value in
            let times = index < attemptTimes.count ? attemptTimes[index] : []
            return Attempt(
                attempt: value["attempt"]?.intValue ?? index + 1,
                lease: value["lease"]?.intValue ?? index + 1,
                agentID: value["agent_id"]?.stringValue ?? "",
                startedAt: times.first?.int64Value ?? 0,
                endedAt: times.count > 1 ? times[1].int64Value : nil,
                outcome: value["outcome"]?.stringValue,
                error: value["error"]?.objectValue
            )
        }
    }
}

private func time(_ ms: Int64) -> JSONValue {
    .string(Timestamp(millisecondsSinceEpoch: ms).description)
}
