import AgentCore
import NIOCore

extension Op {
    /// What a `monitor` may do: say hello, register, heartbeat, ping, bye, and read.
    var allowedForMonitor: Bool {
        switch self {
        case .hello, .register, .heartbeat, .ping, .bye, .stats, .health, .agents, .task, .tasks, .deadLetters:
            true
        default:
            false
        }
    }
}

extension Session {
    // The registry and coordination ops, one method each (the table is `Session.handle`).

    func register(_ request: RequestEnvelope, agent: String, now: Int64) throws(AgentdError) -> SessionResult {
        let register = try RegisterRequest(request.body)
        try self.checkAllowed(register.role, agent: agent)
        return self.later(request.id, self.broker.registry.register(agent, register, now: now)) { record, w in
            w.writeRaw(",\"agent\":")
            record.write(to: &w)
        }
    }

    func heartbeat(_ request: RequestEnvelope, agent: String, now: Int64) throws(AgentdError) -> SessionResult {
        let heartbeat = try HeartbeatRequest(request.body)
        return self.later(request.id, self.broker.registry.heartbeat(agent, heartbeat, now: now)) { _, _ in }
    }

    func agents(_ request: RequestEnvelope) throws(AgentdError) -> SessionResult {
        let query = try AgentsRequest(request.body)
        return self.later(request.id, self.broker.registry.list(query)) { records, w in
            w.writeRaw(",\"agents\":[")
            for (index, record) in records.enumerated() {
                if index > 0 { w.writeRaw(",") }
                record.write(to: &w)
            }
            w.writeRaw("]")
        }
    }

    func deregister(_ request: RequestEnvelope, agent: String) -> SessionResult {
        self.later(request.id, self.broker.registry.deregister(agent)) { _, _ in }
    }

    func assignTask(_ request: RequestEnvelope, agent: String, role: AgentRole?) throws(AgentdError) -> SessionResult {
        // Roles first (a worker learns it may not assign before anything about its fields),
        // except for a sub-task, whose maker may be the parent's assignee: the coordinator checks.
        if request.body["parent_task_id"] == nil || request.body["parent_task_id"] == .null {
            try Self.requireCoordinating(role, .assignTask)
        }
        let assign = try AssignTaskRequest(request.body)
        // A sub-task's maker may also be the parent's assignee: the coordinator checks that.
        return self.later(request.id, self.broker.coordinator.assign(assign, supervisor: agent, role: role)) { assigned, w in
            let task = assigned.task
            w.writeRaw(",\"task_id\":")
            w.writeString(task.taskID)
            w.writeRaw(",\"state\":")
            w.writeString(task.state.rawValue)
            w.writeRaw(",\"assigned_to\":")
            if let assignee = task.assignedTo { w.writeString(assignee) } else { w.writeNull() }
            if assigned.duplicate { w.writeRaw(",\"duplicate\":true") }
        }
    }

    func cancelTask(_ request: RequestEnvelope, agent: String, role: AgentRole?) throws(AgentdError) -> SessionResult {
        try Self.requireCoordinating(role, .cancelTask)
        let cancel = try TaskIDRequest(request.body)
        return self.later(request.id, self.broker.coordinator.cancel(cancel.taskID, by: agent, role: role)) { task, w in
            w.writeRaw(",\"task\":")
            task.write(to: &w)
        }
    }

    func resumeTask(_ request: RequestEnvelope, agent: String, role: AgentRole?) throws(AgentdError) -> SessionResult {
        let resume = try ResumeTaskRequest(request.body)
        return self.later(request.id, self.broker.coordinator.resume(resume, by: agent, role: role)) { task, w in
            w.writeRaw(",\"task\":")
            task.write(to: &w)
        }
    }

    func task(_ request: RequestEnvelope, agent: String, role: AgentRole?) throws(AgentdError) -> SessionResult {
        let query = try TaskIDRequest(request.body)
        return self.later(request.id, self.broker.coordinator.task(query.taskID, viewer: agent, role: role)) { task, w in
            w.writeRaw(",\"task\":")
            task.write(to: &w)
        }
    }

    func tasks(_ request: RequestEnvelope, agent: String, role: AgentRole?) throws(AgentdError) -> SessionResult {
        let query = try TasksRequest(request.body)
        return self.later(request.id, self.broker.coordinator.tasks(query, viewer: agent, role: role)) { tasks, w in
            w.writeRaw(",\"tasks\":[")
            for (index, task) in tasks.enumerated() {
                if index > 0 { w.writeRaw(",") }
                task.write(to: &w)
            }
            w.writeRaw("]")
        }
    }

    func broadcast(_ request: RequestEnvelope, agent: String, role: AgentRole?) throws(AgentdError) -> SessionResult {
        try Self.requireCoordinating(role, .broadcast)
        let broadcast = try BroadcastRequest(request.body)
        return self.later(request.id, self.broker.broadcast(broadcast, from: agent, on: self.eventLoop)) { count, w in
            w.writeRaw(",\"delivered_to\":")
            w.writeInt(count)
        }
    }

    private static func requireCoordinating(_ role: AgentRole?, _ op: Op) throws(AgentdError) {
        guard let role, role.mayCoordinate else {
            throw .forbidden("\(op.rawValue): only a registered supervisor or coordinator may do this")
        }
    }
}
