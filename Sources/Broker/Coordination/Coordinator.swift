import AgentCore
import AgentdAudit
import Crypto
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// Assigns tasks to the best available agent and follows each to its end: progress reports,
/// deadlines, retries on another agent, reassignment when an agent leaves, cancel.
///
/// Holds no task state: every operation reads a snapshot of the coordination store, plans the
/// transition as a value (`TaskPlan`) and commits it atomically; a commit that finds the
/// snapshot stale (another daemon changed the task or took the slot) is planned again from a
/// fresh snapshot. So any daemon may run any transition, and each happens once.
final class Coordinator: RegistryDelegate, Sendable {
    struct Configuration: Sendable {
        var taskTimeoutMilliseconds: Int
        var taskMaxRetries: Int
        /// Finished tasks are forgotten this long after they ended (`task_retention_ms`).
        var taskRetentionMilliseconds: Int = 86_400_000
    }

    /// Tries of one transition before giving up with `unavailable` (each try follows a
    /// conflict: another daemon changed the same task or agent in between).
    static let maximumTries = 16

    private let store: any CoordinationStore
    private let configuration: Configuration
    private let loop: any EventLoop
    private let logger: Logger
    private let audit: any AuditSink
    /// Sends a committed message (wired to `Broker.send`); the future fails when not stored.
    private let sender = NIOLockedValueBox<Callback<OutboxMessage, EventLoopFuture<Void>>?>(nil)
    /// Told of the earliest deadline this daemon committed, so its timer wakes for it.
    private let deadlineHook = NIOLockedValueBox<Callback<Int64, Void>?>(nil)
    private let idPrefix: String
    private let sequence = NIOLockedValueBox<UInt64>(0)

    init(store: any CoordinationStore, configuration: Configuration, loop: any EventLoop, logger: Logger, audit: any AuditSink = NoAuditSink()) {
        self.store = store
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.audit = audit
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        self.idPrefix = "t-" + String(repeating: "0", count: 8 - random.count) + random + "-"
    }

    func connect(send: @escaping @Sendable (OutboxMessage) -> EventLoopFuture<Void>, deadlineAdded: @escaping @Sendable (Int64) -> Void) {
        self.sender.withLockedValue { $0 = Callback(send) }
        self.deadlineHook.withLockedValue { $0 = Callback(deadlineAdded) }
    }

    // MARK: Ops

    /// Creates a task and tries to assign it; succeeds once the task is stored. With an
    /// `idempotency_key`, a task the same supervisor created with the same key (and still
    /// retained) is returned instead, marked `duplicate`.
    /// A sub-task (`parent_task_id`) may be made by a supervisor or coordinator, or by the
    /// parent's current assignee whatever its role (`role`: the assigning agent's).
    func assign(_ request: AssignTaskRequest, supervisor: String, role: AgentRole? = .supervisor) -> EventLoopFuture<(task: TaskRecord, duplicate: Bool)> {
        let number = self.sequence.withLockedValue { value -> UInt64 in
            value += 1
            return value
        }
        let taskID = request.idempotencyKey.map { Self.taskID(supervisor: supervisor, idempotencyKey: $0) }
            ?? self.idPrefix + String(number, radix: 16)
        let query = CoordinationQuery(
            agents: true,
            taskIDs: [taskID] + (request.parentTaskID.map { [$0] } ?? []),
            finishedFor: Int64(self.configuration.taskRetentionMilliseconds)
        )
        return self.transact(query) { (plan) throws(AgentdError) -> (task: TaskRecord, duplicate: Bool) in
            var parent: TaskRecord?
            if let parentID = request.parentTaskID {
                guard let found = plan.tasks[parentID], found.isVisible(to: supervisor, role: role) else {
                    throw .notFound("parent_task_id: no task \(parentID)")
                }
                guard role?.mayCoordinate == true || (found.state.isAssigned && found.assignedTo == supervisor) else {
                    throw .forbidden("assign_task: only a supervisor, a coordinator or the parent task's assignee may make a sub-task")
                }
                guard !found.state.isFinal else {
                    throw .badRequest("parent_task_id: task \(parentID) has ended (\(found.state.rawValue))")
                }
                parent = found
            } else if role?.mayCoordinate != true {
                throw .forbidden("assign_task: only a registered supervisor or coordinator may do this")
            }
            if let existing = plan.tasks[taskID], !plan.snapshot.finished.contains(taskID) {
                // The key was used: the task's own version is checked by nothing here, and
                // needs not be: a duplicate writes nothing.
                guard existing.taskType == request.taskType, existing.parameters == request.parameters,
                    existing.requiredCapabilities == request.requiredCapabilities
                else {
                    throw .badRequest("idempotency_key: already used by task \(taskID) with another task_type, parameters or required_capabilities")
                }
                return (existing, true)
            }
            for id in plan.snapshot.finished { plan.forget(id) }
            var task = TaskRecord(
                taskID: taskID,
                taskType: request.taskType,
                description: request.description,
                parameters: request.parameters,
                requiredCapabilities: request.requiredCapabilities,
                priority: request.priority,
                state: .pending,
                assignedTo: nil,
                supervisor: supervisor,
                attempts: 0,
                maxRetries: request.maxRetries ?? self.configuration.taskMaxRetries,
                timeoutMilliseconds: request.timeoutMilliseconds ?? self.configuration.taskTimeoutMilliseconds,
                deadline: nil,
                result: nil,
                error: nil,
                createdAt: plan.now,
                updatedAt: plan.now,
                history: [],
                previousAssignees: [],
                sequence: UInt64(plan.now) << 16 | (number & 0xFFFF),
                leaseMilliseconds: request.leaseMilliseconds,
                budget: request.budget,
                parentTaskID: parent?.taskID,
                deadlineCap: parent.flatMap { $0.deadline ?? $0.deadlineCap },
                traceparent: request.traceparent ?? parent?.traceparent
            )
            task.record("created", agent: supervisor, at: plan.now)
            if let parent { plan.adopt(taskID, by: parent.taskID) }
            plan.create(task)
            plan.assignOrQueue(taskID)
            return (plan.tasks[taskID] ?? task, false)
        }
    }

    /// The task id an idempotency key stands for: the same for every daemon, so that two
    /// daemons creating "the same" task at once both aim at one id, and the store's version
    /// check lets one of them win (the other, planning again, finds the task).
    static func taskID(supervisor: String, idempotencyKey: String) -> String {
        let digest = SHA256.hash(data: Array("\(supervisor)\n\(idempotencyKey)".utf8))
        return "t-k" + digest.prefix(10).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    func cancel(_ taskID: String, by agent: String, role: AgentRole?) -> EventLoopFuture<TaskRecord> {
        self.transact(CoordinationQuery(agents: true, taskIDs: [taskID], pendingHead: 100)) { (plan) throws(AgentdError) -> TaskRecord in
            guard let task = plan.tasks[taskID], task.isVisible(to: agent, role: role) else {
                throw .notFound("task_id: no task \(taskID)")
            }
            guard !task.state.isFinal else { return task }
            plan.cancel(taskID, by: agent)
            if plan.freedSlot { plan.assignPending() }
            return plan.tasks[taskID] ?? task
        }
    }

    /// `resume_task`: by the task's supervisor or the roles that may cancel it.
    func resume(_ request: ResumeTaskRequest, by agent: String, role: AgentRole?) -> EventLoopFuture<TaskRecord> {
        let taskID = request.taskID
        return self.transact(CoordinationQuery(agents: true, taskIDs: [taskID], pendingHead: 100)) { (plan) throws(AgentdError) -> TaskRecord in
            guard let task = plan.tasks[taskID], task.isVisible(to: agent, role: role) else {
                throw .notFound("task_id: no task \(taskID)")
            }
            guard task.supervisor == agent || role?.mayCoordinate == true else {
                throw .forbidden("resume_task: only the task's supervisor, a supervisor or a coordinator may resume it")
            }
            try plan.resume(taskID, input: request.input)
            if plan.freedSlot { plan.assignPending() }
            return plan.tasks[taskID] ?? task
        }
    }

    /// Cancels the open sub-tasks of a task that ended, each assignee told `parent_ended`;
    /// their own sub-tasks follow when they commit (each level is one atomic step).
    private func cascade(from parentID: String) -> EventLoopFuture<Void> {
        self.store.read(CoordinationQuery(taskIDs: [parentID]), on: self.loop).flatMap { snapshot in
            let children = snapshot.tasks[parentID]?.record.children ?? []
            guard !children.isEmpty else { return self.loop.makeSucceededVoidFuture() }
            return self.transact(CoordinationQuery(agents: true, taskIDs: children, pendingHead: 100)) { plan in
                for child in children {
                    plan.cancel(child, by: AgentID.server, reason: "parent_ended")
                }
                if plan.freedSlot { plan.assignPending() }
            }
        }
    }

    func task(_ taskID: String, viewer: String, role: AgentRole?) -> EventLoopFuture<TaskRecord> {
        self.store.read(CoordinationQuery(taskIDs: [taskID]), on: self.loop).flatMapThrowing { snapshot in
            guard let task = snapshot.tasks[taskID]?.record, task.isVisible(to: viewer, role: role) else {
                throw AgentdError.notFound("task_id: no task \(taskID)")
            }
            return task
        }
    }

    /// Tasks matching the filter that `viewer` may see, newest first.
    func tasks(_ request: TasksRequest, viewer: String, role: AgentRole?) -> EventLoopFuture<[TaskRecord]> {
        self.store.read(CoordinationQuery(allTasks: true), on: self.loop).map { snapshot in
            let matching = snapshot.tasks.values.map(\.record).filter { task in
                task.isVisible(to: viewer, role: role)
                    && (request.state == nil || task.state == request.state)
                    && (request.assignedTo == nil || task.assignedTo == request.assignedTo)
            }
            return Array(matching.sorted { ($0.createdAt, $0.sequence) > ($1.createdAt, $1.sequence) }.prefix(request.limit))
        }
    }

    func stats() -> EventLoopFuture<CoordinationStats> {
        self.store.read(CoordinationQuery(), on: self.loop).map { snapshot in
            CoordinationStats(counts: snapshot.counts)
        }
    }

    /// A `task_response` or `error_report` passed through agentd: only the current
    /// assignee's reports change the task. Nil when the message is no report; else the future
    /// completes once the task is updated. A report without `lease` is observed after it was
    /// stored (the send is answered after the update, so whoever reads the task after the
    /// answer sees the report's effect). A report with `lease` is observed before it is
    /// stored, and fails with `forbidden` ("stale lease") when its lease is not the task's
    /// current one: the send is then refused and nothing is stored.
    func observe(_ type: MessageType, content: JSONObject, from sender: String) -> EventLoopFuture<Void>? {
        guard let report = Self.report(type, content) else { return nil }
        let lease = content["lease"]?.intValue
        let updated = self.transact(CoordinationQuery(agents: true, taskIDs: [report.taskID], pendingHead: 100)) { (plan) throws(AgentdError) in
            try plan.report(report.taskID, status: report.status, content: content, from: sender, lease: lease)
            if plan.freedSlot { plan.assignPending() }
        }
        if lease == nil { self.background("report", updated) }
        return updated
    }

    /// The task and status a `task_response` or `error_report` reports, if it is a report.
    static func report(_ type: MessageType, _ content: JSONObject) -> (taskID: String, status: String)? {
        guard type == .taskResponse || type == .errorReport, let taskID = content["task_id"]?.stringValue else { return nil }
        let status = type == .errorReport ? "failed" : (content["status"]?.stringValue ?? "")
        guard ["in_progress", "input_required", "completed", "failed"].contains(status) else { return nil }
        return (taskID, status)
    }

    // MARK: RegistryDelegate

    func agentMayTakeWork(_ agentID: String) {
        self.background("assign_pending", self.assignPending())
    }

    func agentsLeft(_ agentIDs: [String], reason: String) {
        // Most agents that leave hold nothing: one small read says so, and the agent list
        // (which a reassignment needs) is read only when there is something to reassign.
        let held = self.store.read(CoordinationQuery(heldBy: agentIDs), on: self.loop).map { snapshot in
            snapshot.held.values.contains { !$0.isEmpty }
        }
        self.background("reassign", held.flatMap { anyHeld in
            anyHeld ? self.reassign(agentIDs, reason: reason) : self.loop.makeSucceededVoidFuture()
        })
    }

    private func reassign(_ agentIDs: [String], reason: String) -> EventLoopFuture<Void> {
        self.transact(CoordinationQuery(agents: true, pendingHead: 100, heldBy: agentIDs)) { plan in
            var error = JSONObject()
            for agent in agentIDs {
                error["message"] = .string("assignee \(agent) went \(reason)")
                // A task waiting for input stays the agent's until `resume_task` finds it gone.
                for taskID in (plan.snapshot.held[agent] ?? []).sorted() where plan.tasks[taskID]?.state.isHeld == true {
                    plan.attemptEnded(taskID, outcome: .orphaned, error: error)
                }
            }
            if plan.freedSlot { plan.assignPending() }
        }
    }

    /// Offers pending tasks, in priority then age order, to the agents available now.
    /// Every heartbeat and registration asks for this: when nothing is pending, one small
    /// read answers it (no agent list read).
    func assignPending() -> EventLoopFuture<Void> {
        self.store.read(CoordinationQuery(pendingHead: 1), on: self.loop).flatMap { snapshot in
            guard !snapshot.pending.isEmpty else { return self.loop.makeSucceededVoidFuture() }
            return self.transact(CoordinationQuery(agents: true, pendingHead: 100)) { plan in
                plan.assignPending()
            }
        }
    }

    // MARK: Timers (run by `CoordinationTimers`)

    /// Ends the attempts whose deadline passed; returns the next deadline (store clock) and now.
    func deadlinesDue() -> EventLoopFuture<(next: Int64?, now: Int64)> {
        self.store.read(CoordinationQuery(dueDeadlines: 100), on: self.loop).flatMap { snapshot in
            let due = snapshot.due
            guard !due.isEmpty else { return self.loop.makeSucceededFuture((snapshot.nextDeadline, snapshot.now)) }
            let ended = due.map { taskID in
                self.transact(CoordinationQuery(agents: true, taskIDs: [taskID], pendingHead: 100)) { plan in
                    guard let task = plan.tasks[taskID], task.state.isHeld, let due = task.nextDue, due <= plan.now else {
                        return
                    }
                    var error = JSONObject()
                    if let lease = task.leaseExpiresAt, lease <= plan.now, lease < (task.deadline ?? .max), let ms = task.leaseMilliseconds {
                        error["message"] = .string("no report within the lease (\(ms) ms)")
                        plan.attemptEnded(taskID, outcome: .leaseExpired, error: error)
                    } else {
                        error["message"] = .string("no result within \(task.timeoutMilliseconds) ms")
                        plan.attemptEnded(taskID, outcome: .timedOut, error: error)
                    }
                    if plan.freedSlot { plan.assignPending() }
                }
            }
            return EventLoopFuture.whenAllComplete(ended, on: self.loop).map { _ in
                (due.count >= 100 ? snapshot.now : snapshot.nextDeadline, snapshot.now)
            }
        }
    }

    /// Sends outbox messages whose sender did not confirm them in time (it may have died
    /// between the commit and the send); dedup makes a second send harmless.
    func retryOutbox(olderThan milliseconds: Int64) -> EventLoopFuture<Void> {
        self.store.staleOutbox(olderThan: milliseconds, on: self.loop).flatMap { messages in
            let sent = messages.map { self.deliver($0) }
            return EventLoopFuture.whenAllComplete(sent, on: self.loop).map { _ in () }
        }
    }

    // MARK: Machinery

    /// Reads, plans with `body`, commits; on a conflict, again from a fresh snapshot. Then
    /// records the plan's events and sends its messages.
    private func transact<T: Sendable>(
        _ query: CoordinationQuery,
        try attempt: Int = 1,
        _ body: @escaping @Sendable (inout TaskPlan) throws(AgentdError) -> T
    ) -> EventLoopFuture<T> {
        self.store.read(query, on: self.loop).flatMap { snapshot in
            var plan = TaskPlan(snapshot)
            let value: T
            do {
                value = try body(&plan)
            } catch {
                return self.loop.makeFailedFuture(error)
            }
            let transaction = plan.finished()
            guard !transaction.isEmpty else { return self.loop.makeSucceededFuture(value) }
            let planned = plan
            return self.store.commit(transaction, on: self.loop).flatMap { outcome in
                guard case .committed = outcome else {
                    guard attempt < Self.maximumTries else {
                        return self.loop.makeFailedFuture(AgentdError.unavailable("coordination: too much contention, try again"))
                    }
                    return self.transact(query, try: attempt + 1, body)
                }
                self.committed(planned, transaction)
                return self.loop.makeSucceededFuture(value)
            }
        }
    }

    private func committed(_ plan: TaskPlan, _ transaction: CoordinationTransaction) {
        for parent in plan.endedParents {
            self.background("cascade", self.cascade(from: parent))
        }
        for (event, task, agent, error) in plan.events {
            self.audit.record(.task(event, task, agent: agent, error: error))
        }
        if let earliest = plan.tasks.values.compactMap(\.nextDue).min() {
            self.deadlineHook.withLockedValue { $0 }?.call(earliest)
        }
        for message in transaction.messages {
            self.background("coordination_send", self.deliver(message))
        }
    }

    /// Sends one committed message, then takes it out of the outbox.
    private func deliver(_ message: OutboxMessage) -> EventLoopFuture<Void> {
        guard let send = self.sender.withLockedValue({ $0 }) else { return self.loop.makeSucceededVoidFuture() }
        return send.call(message).flatMap { self.store.removeFromOutbox(message, on: self.loop) }
    }

    private func background<T>(_ what: String, _ future: EventLoopFuture<T>) {
        future.whenFailure { error in
            self.audit.record(.storeError(what, error))
            self.logger.warning("coordination step failed", metadata: ["agentd.step": "\(what)", "agentd.error": "\(error)"])
        }
    }
}

extension CoordinationStats {
    /// The `coordination` part of `stats` from the store's counts per state.
    init(counts: [TaskState: Int]) {
        self.init()
        for (state, count) in counts where count > 0 {
            self.total += count
            self.byState[state] = count
            switch state {
            case .pending: self.pending += count
            case .assigned, .inProgress: self.inProgress += count
            case .inputRequired: self.inputRequired += count
            case .completed: self.completed += count
            case .failed: self.failed += count
            case .timedOut: self.timedOut += count
            case .cancelled: self.cancelled += count
            }
        }
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        self.count >= width ? self : String(repeating: "0", count: width - self.count) + self
    }
}
