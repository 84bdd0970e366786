import AgentCore

/// One coordination transition, computed from a snapshot: the tasks it changes, the agents'
/// loads as it goes (so several assignments in one plan do not overbook an agent), and the
/// transaction that commits it. A value; no store, no clock but the snapshot's.
struct TaskPlan {
    private(set) var snapshot: CoordinationSnapshot
    private(set) var transaction = CoordinationTransaction()
    /// Tasks changed, with the state they had in the snapshot (nil: new).
    private var touched: [String: TaskState?] = [:]
    private(set) var tasks: [String: TaskRecord] = [:]
    /// Audit events to record once committed: (event, task, agent, error).
    private(set) var events: [(String, TaskRecord, String?, JSONObject?)] = []
    /// Whether a slot was freed (pending tasks may be assignable now).
    private(set) var freedSlot = false
    /// Tasks given to and taken from each agent by this plan: its slot condition is the net.
    private var given: [String: Int] = [:]
    private var taken: [String: Int] = [:]

    /// Tasks this plan ended that have sub-tasks: their open descendants are to be cancelled.
    var endedParents: [String] {
        self.touched.compactMap { id, was in
            guard let task = self.tasks[id], task.state.isFinal, !(was?.isFinal ?? false), !task.children.isEmpty else { return nil }
            return id
        }.sorted()
    }

    init(_ snapshot: CoordinationSnapshot) {
        self.snapshot = snapshot
        for (id, task) in snapshot.tasks { self.tasks[id] = task.record }
    }

    var now: Int64 { self.snapshot.now }

    /// Adds a task the plan creates.
    mutating func create(_ task: TaskRecord) {
        self.touched[task.taskID] = .some(nil)
        self.tasks[task.taskID] = task
        self.events.append(("created", task, task.supervisor, nil))
    }

    /// The final transaction: task versions checked, tasks written, state counts moved.
    func finished() -> CoordinationTransaction {
        var transaction = self.transaction
        var conditions: [CoordinationTransaction.Condition] = []
        var writes: [CoordinationTransaction.Write] = []
        for (id, was) in self.touched.sorted(by: { $0.key < $1.key }) {
            guard let task = self.tasks[id] else { continue }
            conditions.append(.taskVersion(id, self.snapshot.tasks[id]?.version ?? 0))
            writes.append(.putTask(task))
            if let old = was {
                if old != task.state {
                    writes.append(.count(old, -1))
                    writes.append(.count(task.state, 1))
                }
            } else {
                writes.append(.count(task.state, 1))
            }
            if task.state.isFinal, was.map({ !$0.isFinal }) ?? true {
                writes.append(.finished(id, self.now))
            }
        }
        for (agent, count) in self.given.sorted(by: { $0.key < $1.key }) {
            conditions.append(.freeSlots(agent, max(0, count - (self.taken[agent] ?? 0))))
        }
        transaction.conditions = conditions + transaction.conditions
        transaction.writes = writes + transaction.writes
        return transaction
    }

    /// Records `child` among `parent`'s sub-tasks (the parent's version is checked: a parent
    /// ending meanwhile makes the commit fail and the assign plan again).
    mutating func adopt(_ child: String, by parent: String) {
        guard var task = self.tasks[parent] else { return }
        self.mark(parent)
        task.children.append(child)
        self.tasks[parent] = task
    }

    /// Forgets a finished task (retention).
    mutating func forget(_ taskID: String) {
        guard let task = self.snapshot.tasks[taskID] else { return }
        self.transaction.conditions.append(.taskVersion(taskID, task.version))
        self.transaction.writes += [.deleteTask(taskID), .finished(taskID, nil), .count(task.record.state, -1)]
        self.tasks[taskID] = nil
    }

    private mutating func mark(_ taskID: String) {
        if self.touched[taskID] == nil {
            self.touched[taskID] = .some(self.snapshot.tasks[taskID]?.record.state)
        }
    }

    // MARK: The task's life

    /// Assigns the task to the best available agent (preferring one that has not had it), or
    /// queues it pending. Returns whether it was assigned.
    @discardableResult
    mutating func assignOrQueue(_ taskID: String) -> Bool {
        guard var task = self.tasks[taskID] else { return false }
        self.mark(taskID)
        guard let agent = AgentSelection.best(
            for: task.requiredCapabilities,
            among: self.snapshot.agents.values,
            avoiding: Set(task.previousAssignees)
        ) else {
            task.state = .pending
            self.tasks[taskID] = task
            self.transaction.writes.append(.pending(taskID, score: Self.pendingScore(task)))
            return false
        }
        let id = agent.agentID
        self.snapshot.agents[id]?.currentTasks += 1
        task.attempts += 1
        task.lease += 1
        task.state = .assigned
        task.assignedTo = id
        task.deadline = min(self.now + Int64(task.timeoutMilliseconds), task.deadlineCap ?? .max)
        task.leaseExpiresAt = task.leaseMilliseconds.map { self.now + Int64($0) }
        task.attemptsLog.append(.init(attempt: task.attempts, lease: task.lease, agentID: id, startedAt: self.now))
        task.record("assigned", agent: id, at: self.now)
        self.tasks[taskID] = task
        self.events.append(("assigned", task, id, nil))
        self.given[id, default: 0] += 1
        self.transaction.writes += [
            .addLoad(id, 1), .held(agent: id, task: taskID, true), .deadline(taskID, task.nextDue), .pending(taskID, score: nil),
        ]
        self.send(
            OutboxMessage(
                sender: task.supervisor,
                recipient: id,
                messageID: "\(taskID):request:\(task.attempts)",
                type: .taskRequest,
                priority: task.priority,
                correlationID: taskID,
                content: JSONValue.object(task.requestContent).jsonBytes,
                at: self.now,
                traceparent: task.traceparent
            )
        )
        return true
    }

    /// Offers the pending tasks of the snapshot, in order, to the agents available now.
    mutating func assignPending() {
        for id in self.snapshot.pending where self.tasks[id]?.state == .pending {
            self.assignOrQueueIfAssignable(id)
        }
    }

    private mutating func assignOrQueueIfAssignable(_ taskID: String) {
        guard let task = self.tasks[taskID],
            AgentSelection.best(for: task.requiredCapabilities, among: self.snapshot.agents.values, avoiding: Set(task.previousAssignees)) != nil
        else { return }
        self.assignOrQueue(taskID)
    }

    /// A report passed: `status` from the current assignee. With `lease`, the report is
    /// fenced: one naming another assignment than the current one (or a task that ended) is
    /// refused, and the plan's commit re-checks it (the task's version), so a reassignment
    /// racing the report makes it stale rather than both counting.
    /// - Throws: `forbidden` ("stale lease") for a stale lease.
    mutating func report(_ taskID: String, status: String, content: JSONObject, from sender: String, lease: Int? = nil) throws(AgentdError) {
        if let lease {
            guard let task = self.tasks[taskID], task.accepts(lease: lease, status: status, from: sender) else {
                throw .forbidden("stale lease: task \(taskID) is no longer held under lease \(lease) (it was reassigned or has ended)")
            }
        }
        guard var task = self.tasks[taskID], task.state.isAssigned, task.assignedTo == sender else { return }
        if let usage = content["usage"]?.objectValue, let spent = try? TaskAmounts(usage, field: "usage"), spent != TaskAmounts() {
            self.mark(taskID)
            task.usage = task.usage + spent
            self.tasks[taskID] = task
            if let budget = task.budget, !budget.exceeded(by: task.usage).isEmpty {
                self.budgetExceeded(taskID, over: budget.exceeded(by: task.usage))
                return
            }
        }
        if task.state == .inputRequired {
            // Waiting for an answer: only an end (completed, failed) changes the task now.
            guard status == "completed" || status == "failed" else { return }
            task.state = .inProgress
            task.pausedRemaining = nil
            self.tasks[taskID] = task
        } else if let leaseMilliseconds = task.leaseMilliseconds {
            // Any report from the assignee is a sign of life: the lease runs on from now.
            self.mark(taskID)
            task.leaseExpiresAt = self.now + Int64(leaseMilliseconds)
            self.tasks[taskID] = task
            self.transaction.writes.append(.deadline(taskID, task.nextDue))
        }
        switch status {
        case "input_required":
            // The deadline and the lease stop; the task stays the assignee's (its slot too).
            self.mark(taskID)
            task.pausedRemaining = task.deadline.map { max(0, $0 - self.now) }
            task.deadline = nil
            task.leaseExpiresAt = nil
            task.state = .inputRequired
            task.record("input_required", agent: sender, at: self.now)
            self.tasks[taskID] = task
            self.transaction.writes.append(.deadline(taskID, nil))
            self.events.append(("input_required", task, sender, nil))
        case "in_progress":
            guard task.state != .inProgress else { return }
            self.mark(taskID)
            task.state = .inProgress
            task.record("in_progress", agent: sender, at: self.now)
            self.tasks[taskID] = task
            self.events.append(("started", task, sender, nil))
        case "completed":
            self.mark(taskID)
            task.state = .completed
            task.result = content["result"] ?? .null
            task.deadline = nil
            task.leaseExpiresAt = nil
            task.endAttempt("completed", at: self.now)
            task.record("completed", agent: sender, at: self.now)
            self.tasks[taskID] = task
            self.events.append(("completed", task, sender, nil))
            self.release(sender, taskID)
        case "failed":
            var error = content["error"]?.objectValue ?? JSONObject()
            if error.isEmpty {
                error["message"] = content["error"] ?? .string("reported failed by \(sender)")
            }
            // `permanent`: retrying cannot help (bad input, refused by policy): end it now.
            let permanent = error["kind"]?.stringValue == "permanent"
            self.attemptEnded(taskID, outcome: .failed, error: error, retry: !permanent)
        default:
            return
        }
    }

    enum Outcome: String {
        case failed
        case timedOut = "timed_out"
        case leaseExpired = "lease_expired"
        case orphaned
    }

    /// The current attempt ended without success: retry (preferring another agent) while
    /// `attempts ≤ max_retries` and `retry` allows, else the task ends and its supervisor is
    /// told. An attempt whose deadline or lease ran out ends a task `timed_out`, any other
    /// `failed`.
    mutating func attemptEnded(_ taskID: String, outcome: Outcome, error: JSONObject, retry: Bool = true) {
        guard var task = self.tasks[taskID], task.state.isAssigned, let assignee = task.assignedTo else { return }
        self.mark(taskID)
        self.release(assignee, taskID)
        task.pausedRemaining = nil
        task.record(outcome.rawValue, agent: assignee, at: self.now)
        task.endAttempt(outcome.rawValue, error: outcome == .failed ? error : nil, at: self.now)
        task.previousAssignees.append(assignee)
        task.assignedTo = nil
        task.deadline = nil
        task.leaseExpiresAt = nil
        task.error = error
        if retry && task.attempts <= task.maxRetries {
            task.state = .pending
            self.tasks[taskID] = task
            self.events.append((outcome == .orphaned ? "reassigned" : "retried", task, assignee, error))
            self.assignOrQueue(taskID)
        } else {
            task.state = outcome == .timedOut || outcome == .leaseExpired ? .timedOut : .failed
            self.tasks[taskID] = task
            self.ended(taskID, assignee: assignee, error: error)
        }
    }

    /// The task has reached `failed` or `timed_out` for good: the final history event, and the
    /// supervisor's `error_report`.
    private mutating func ended(_ taskID: String, assignee: String?, error: JSONObject) {
        guard var task = self.tasks[taskID] else { return }
        task.record(task.state.rawValue, agent: nil, at: self.now)
        self.tasks[taskID] = task
        self.events.append((task.state.rawValue, task, assignee, error))
        var content = JSONObject()
        content["task_id"] = .string(taskID)
        content["state"] = .string(task.state.rawValue)
        content["error"] = .object(error)
        self.send(
            OutboxMessage(
                sender: AgentID.server,
                recipient: task.supervisor,
                messageID: "\(taskID):final",
                type: .errorReport,
                priority: .high,
                correlationID: nil,
                content: JSONValue.object(content).jsonBytes,
                at: self.now
            )
        )
    }

    /// A report took the usage past the budget: the task fails at once (no retry), the
    /// assignee is told to stop, the supervisor gets the final report.
    private mutating func budgetExceeded(_ taskID: String, over: [String]) {
        guard var task = self.tasks[taskID], let assignee = task.assignedTo else { return }
        self.mark(taskID)
        self.release(assignee, taskID)
        var error = JSONObject()
        error["kind"] = .string("budget_exceeded")
        error["message"] = .string("usage over the budget: \(over.joined(separator: ", "))")
        error["budget"] = .object(task.budget?.jsonObject ?? JSONObject())
        error["usage"] = .object(task.usage.jsonObject)
        task.record("failed", agent: assignee, at: self.now)
        task.endAttempt("failed", error: error, at: self.now)
        task.previousAssignees.append(assignee)
        task.assignedTo = nil
        task.deadline = nil
        task.leaseExpiresAt = nil
        task.pausedRemaining = nil
        task.error = error
        task.state = .failed
        self.tasks[taskID] = task
        self.tellToStop(assignee, taskID, by: AgentID.server, reason: "budget_exceeded")
        self.ended(taskID, assignee: assignee, error: error)
    }

    /// `resume_task`: the answer goes to the assignee, and the task runs again with the time
    /// it had left; an assignee gone offline meanwhile loses the task (orphaned).
    /// - Throws: `bad_request` when the task is not waiting for input.
    mutating func resume(_ taskID: String, input: JSONValue) throws(AgentdError) {
        guard var task = self.tasks[taskID], task.state == .inputRequired, let assignee = task.assignedTo else {
            throw .badRequest("task_id: task \(taskID) is not input_required")
        }
        let agent = self.snapshot.agents[assignee]
        guard let agent, agent.status != .offline else {
            var error = JSONObject()
            error["message"] = .string("assignee \(assignee) went offline while the task waited for input")
            self.attemptEnded(taskID, outcome: .orphaned, error: error)
            return
        }
        self.mark(taskID)
        task.state = .assigned
        task.deadline = task.pausedRemaining.map { self.now + $0 }
        task.pausedRemaining = nil
        task.leaseExpiresAt = task.leaseMilliseconds.map { self.now + Int64($0) }
        task.resumes += 1
        task.record("resumed", agent: agent.agentID, at: self.now)
        self.tasks[taskID] = task
        self.transaction.writes.append(.deadline(taskID, task.nextDue))
        self.events.append(("resumed", task, assignee, nil))
        var content = JSONObject()
        content["action"] = .string("resume")
        content["task_id"] = .string(taskID)
        content["lease"] = .number(JSONNumber(task.lease))
        content["input"] = input
        self.send(
            OutboxMessage(
                sender: task.supervisor,
                recipient: assignee,
                messageID: "\(taskID):resume:\(task.resumes)",
                type: .coordination,
                priority: .high,
                correlationID: taskID,
                content: JSONValue.object(content).jsonBytes,
                at: self.now
            )
        )
    }

    /// Cancels a task that has not ended; the assignee is told (with `reason`, when given).
    mutating func cancel(_ taskID: String, by agent: String, reason: String? = nil) {
        guard var task = self.tasks[taskID], !task.state.isFinal else { return }
        self.mark(taskID)
        if task.state.isAssigned, let assignee = task.assignedTo {
            self.release(assignee, taskID)
            self.tellToStop(assignee, taskID, by: agent, reason: reason)
        }
        self.transaction.writes.append(.pending(taskID, score: nil))
        task.state = .cancelled
        task.deadline = nil
        task.leaseExpiresAt = nil
        task.pausedRemaining = nil
        task.endAttempt("cancelled", at: self.now)
        task.record("cancelled", agent: agent, at: self.now)
        self.tasks[taskID] = task
        self.events.append(("cancelled", task, agent, nil))
    }

    /// The `coordination` message `{action: "cancel", task_id, reason?}` to the assignee.
    private mutating func tellToStop(_ assignee: String, _ taskID: String, by agent: String, reason: String?) {
        var content = JSONObject()
        content["action"] = .string("cancel")
        content["task_id"] = .string(taskID)
        if let reason { content["reason"] = .string(reason) }
        self.send(
            OutboxMessage(
                sender: agent,
                recipient: assignee,
                messageID: "\(taskID):cancel",
                type: .coordination,
                priority: .high,
                correlationID: nil,
                content: JSONValue.object(content).jsonBytes,
                at: self.now
            )
        )
    }

    private mutating func release(_ agent: String, _ taskID: String) {
        self.taken[agent, default: 0] += 1
        if let current = self.snapshot.agents[agent]?.currentTasks {
            self.snapshot.agents[agent]?.currentTasks = max(0, current - 1)
        }
        self.transaction.writes += [.addLoad(agent, -1), .held(agent: agent, task: taskID, false), .deadline(taskID, nil)]
        self.freedSlot = true
    }

    private mutating func send(_ message: OutboxMessage) {
        self.transaction.writes.append(.outbox(message))
        self.transaction.messages.append(message)
    }

    /// Priority rank first, then creation: the order pending tasks are offered in.
    static func pendingScore(_ task: TaskRecord) -> Double {
        Double(task.priority.deliveryRank) * 1e13 + Double(task.createdAt)
    }
}
