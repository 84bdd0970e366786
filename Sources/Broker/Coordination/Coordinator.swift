import AgentCore
import AgentdAudit
import Dispatch
import Logging
import NIOCore

/// Assigns tasks to the best available agent and follows each to its end: progress reports,
/// deadlines, retries on another agent, reassignment when an agent leaves, cancel.
///
/// All access to `tasks`, `pending` and `deadlines` is guarded by `queue`. The coordinator
/// calls the registry synchronously (short, lock-like) and the registry calls back only
/// asynchronously, so the two queues cannot deadlock.
final class Coordinator: @unchecked Sendable, RegistryDelegate {  // @unchecked: state confined to `queue`
    struct Configuration: Sendable {
        var taskTimeoutMilliseconds: Int
        var taskMaxRetries: Int
        /// Finished tasks are forgotten this long after they ended (`task_retention_ms`).
        var taskRetentionMilliseconds: Int = 86_400_000
    }

    let queue = DispatchQueue(label: "agentd.coordinator")
    private let registry: AgentRegistry
    private let store: any RecordStore
    private let configuration: Configuration
    private let loop: any EventLoop
    private let logger: Logger
    private let now: @Sendable () -> Int64
    private let audit: any AuditSink
    /// Sends a message as the given agent (wired to `Broker.send`).
    private var send: (@Sendable (SendRequest, String) -> Void)?

    private var tasks: [String: TaskRecord] = [:]
    /// Pending task ids, kept ordered by priority then age.
    private var pending: [String] = []
    private var deadlines: [(at: Int64, taskID: String, attempt: Int)] = []
    private var timer: DispatchWorkItem?
    private var timerAt: Int64?
    private var sequence: UInt64 = 0
    private let idPrefix: String
    /// Finished tasks, oldest end first: what `pruneFinished` forgets, from the front.
    private var finished: [(at: Int64, taskID: String)] = []
    private var finishedHead = 0
    private var finishedIDs: Set<String> = []

    init(
        registry: AgentRegistry,
        store: any RecordStore,
        configuration: Configuration,
        loop: any EventLoop,
        logger: Logger,
        now: @escaping @Sendable () -> Int64,
        audit: any AuditSink = NoAuditSink()
    ) {
        self.audit = audit
        self.registry = registry
        self.store = store
        self.configuration = configuration
        self.loop = loop
        self.logger = logger
        self.now = now
        let random = String(UInt32.random(in: .min ... .max), radix: 16)
        self.idPrefix = "t-" + String(repeating: "0", count: 8 - random.count) + random + "-"
    }

    func connect(send: @escaping @Sendable (SendRequest, String) -> Void) {
        self.queue.sync { self.send = send }
    }

    /// Loads tasks from the store: pending ones queue again, held ones keep their agent and
    /// deadline (an agent that does not come back is swept offline and its task reassigned).
    func load() -> EventLoopFuture<Int> {
        self.store.loadRecords(.task, on: self.loop).map { records in
            let loaded = records.compactMap(TaskRecord.init(stored:))
            self.queue.sync {
                for task in loaded.sorted(by: { $0.updatedAt < $1.updatedAt }) {
                    self.tasks[task.taskID] = task
                    self.noteIfFinished(task)
                    self.sequence = max(self.sequence, task.sequence)
                    if task.state == .pending {
                        self.enqueuePending(task)
                    } else if task.state.isHeld, let agent = task.assignedTo {
                        self.registry.hold(agent)
                        if let deadline = task.deadline {
                            self.addDeadline(deadline, task.taskID, task.attempts)
                        }
                    }
                }
                self.assignPending()
            }
            return loaded.count
        }
    }

    // MARK: Ops

    /// Creates a task and tries to assign it. The future succeeds once the task is stored, so a
    /// task whose `assign_task` was answered survives a crash.
    func assign(_ request: AssignTaskRequest, supervisor: String) -> EventLoopFuture<TaskRecord> {
        self.onQueue { () throws(AgentdError) -> (TaskRecord, EventLoopFuture<Void>) in
            let now = self.now()
            self.pruneFinished(now: now)
            self.sequence += 1
            var task = TaskRecord(
                taskID: self.idPrefix + String(self.sequence, radix: 16),
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
                createdAt: now,
                updatedAt: now,
                history: [],
                previousAssignees: [],
                sequence: self.sequence
            )
            task.record("created", agent: supervisor, at: now)
            self.audit.record(.task("created", task, agent: supervisor))
            self.tasks[task.taskID] = task
            if !self.tryAssign(task.taskID) {
                self.enqueuePending(task)
            }
            // Writes from this queue reach the store in order: once this one is stored, so is
            // every earlier state of the task.
            return (self.tasks[task.taskID] ?? task, self.save(task.taskID))
        }.flatMap { task, saved in
            saved.map { task }
        }
    }

    func cancel(_ taskID: String, by agent: String, role: AgentRole?) -> EventLoopFuture<TaskRecord> {
        self.onQueue { () throws(AgentdError) -> TaskRecord in
            guard var task = self.tasks[taskID], task.isVisible(to: agent, role: role) else {
                throw .notFound("task_id: no task \(taskID)")
            }
            guard !task.state.isFinal else { return task }
            let now = self.now()
            if task.state.isHeld, let assignee = task.assignedTo {
                self.registry.release(assignee)
                var content = JSONObject()
                content["action"] = .string("cancel")
                content["task_id"] = .string(taskID)
                self.send?(SendRequest(toAgent: assignee, messageType: .coordination, content: content, priority: .high), agent)
            }
            self.pending.removeAll { $0 == taskID }
            task.state = .cancelled
            task.deadline = nil
            task.record("cancelled", agent: agent, at: now)
            self.audit.record(.task("cancelled", task, agent: agent))
            self.tasks[taskID] = task
            self.save(taskID)
            if task.assignedTo != nil { self.assignPending() }
            return task
        }
    }

    func task(_ taskID: String, viewer: String, role: AgentRole?) -> EventLoopFuture<TaskRecord> {
        self.onQueue { () throws(AgentdError) -> TaskRecord in
            guard let task = self.tasks[taskID], task.isVisible(to: viewer, role: role) else {
                throw .notFound("task_id: no task \(taskID)")
            }
            return task
        }
    }

    /// Tasks matching the filter that `viewer` may see, newest first.
    func tasks(_ request: TasksRequest, viewer: String, role: AgentRole?) -> EventLoopFuture<[TaskRecord]> {
        self.onQueue { () throws(AgentdError) -> [TaskRecord] in
            let matching = self.tasks.values.filter { task in
                task.isVisible(to: viewer, role: role)
                    && (request.state == nil || task.state == request.state)
                    && (request.assignedTo == nil || task.assignedTo == request.assignedTo)
            }
            return Array(matching.sorted { $0.sequence > $1.sequence }.prefix(request.limit))
        }
    }

    func stats() -> EventLoopFuture<CoordinationStats> {
        self.onQueue { () throws(AgentdError) -> CoordinationStats in
            var stats = CoordinationStats()
            for task in self.tasks.values {
                stats.total += 1
                stats.byState[task.state, default: 0] += 1
                switch task.state {
                case .pending: stats.pending += 1
                case .assigned, .inProgress: stats.inProgress += 1
                case .completed: stats.completed += 1
                case .failed: stats.failed += 1
                case .timedOut: stats.timedOut += 1
                case .cancelled: stats.cancelled += 1
                }
            }
            return stats
        }
    }

    /// A `task_response` or `error_report` passed through agentd: only the current assignee's
    /// reports change the task.
    func observe(_ type: MessageType, content: JSONObject, from sender: String) {
        guard type == .taskResponse || type == .errorReport, let taskID = content["task_id"]?.stringValue else { return }
        self.queue.async {
            guard let task = self.tasks[taskID], task.state.isHeld, task.assignedTo == sender else { return }
            let status = type == .errorReport ? "failed" : (content["status"]?.stringValue ?? "")
            let now = self.now()
            switch status {
            case "in_progress":
                guard task.state != .inProgress else { return }
                self.tasks[taskID]?.state = .inProgress
                self.tasks[taskID]?.record("in_progress", agent: sender, at: now)
                self.tasks[taskID].map { self.audit.record(.task("started", $0, agent: sender)) }
                self.save(taskID)
            case "completed":
                self.tasks[taskID]?.state = .completed
                self.tasks[taskID]?.result = content["result"] ?? .null
                self.tasks[taskID]?.deadline = nil
                self.tasks[taskID]?.record("completed", agent: sender, at: now)
                self.tasks[taskID].map { self.audit.record(.task("completed", $0, agent: sender)) }
                self.registry.release(sender)
                self.save(taskID)
                self.assignPending()
            case "failed":
                var error = content["error"]?.objectValue ?? JSONObject()
                if error.isEmpty {
                    error["message"] = content["error"] ?? .string("reported failed by \(sender)")
                }
                self.attemptEnded(taskID, outcome: .failed, error: error, at: now)
            default:
                return
            }
        }
    }

    // MARK: RegistryDelegate

    func agentMayTakeWork(_ agentID: String) {
        self.queue.async { self.assignPending() }
    }

    func agentsLeft(_ agentIDs: [String], reason: String) {
        self.queue.async {
            let gone = Set(agentIDs)
            let now = self.now()
            let orphans = self.tasks.values.filter { $0.state.isHeld && $0.assignedTo.map(gone.contains) == true }
            for task in orphans.sorted(by: { $0.sequence < $1.sequence }) {
                var error = JSONObject()
                error["message"] = .string("assignee \(task.assignedTo ?? "") went \(reason)")
                self.attemptEnded(task.taskID, outcome: .orphaned, error: error, at: now)
            }
        }
    }

    // MARK: The task's life

    private enum Outcome {
        case failed, timedOut, orphaned
    }

    /// The current attempt ended without success: retry (preferring another agent) while
    /// `attempts ≤ max_retries`, else the task ends and its supervisor is told.
    private func attemptEnded(_ taskID: String, outcome: Outcome, error: JSONObject, at now: Int64) {
        dispatchPrecondition(condition: .onQueue(self.queue))
        guard var task = self.tasks[taskID], task.state.isHeld, let assignee = task.assignedTo else { return }
        // Also for an agent that went offline: when it comes back, it holds this task no more.
        self.registry.release(assignee)
        let event: String
        switch outcome {
        case .failed: event = "failed"
        case .timedOut: event = "timed_out"
        case .orphaned: event = "orphaned"
        }
        task.record(event, agent: assignee, at: now)
        task.previousAssignees.append(assignee)
        task.assignedTo = nil
        task.deadline = nil
        task.error = error
        if task.attempts <= task.maxRetries {
            task.state = .pending
            self.audit.record(.task(outcome == .orphaned ? "reassigned" : "retried", task, agent: assignee, error: error))
            self.tasks[taskID] = task
            if !self.tryAssign(taskID) {
                self.enqueuePending(task)
                self.save(taskID)
            }
        } else {
            task.state = outcome == .timedOut ? .timedOut : .failed
            task.record(task.state.rawValue, agent: nil, at: now)
            self.audit.record(.task(task.state.rawValue, task, agent: assignee, error: error))
            self.tasks[taskID] = task
            self.save(taskID)
            var content = JSONObject()
            content["task_id"] = .string(taskID)
            content["state"] = .string(task.state.rawValue)
            content["error"] = .object(error)
            self.send?(SendRequest(toAgent: task.supervisor, messageType: .errorReport, content: content, priority: .high), AgentID.server)
        }
        self.assignPending()
    }

    /// Assigns the task if an agent is available; false when none is.
    @discardableResult
    private func tryAssign(_ taskID: String) -> Bool {
        dispatchPrecondition(condition: .onQueue(self.queue))
        guard var task = self.tasks[taskID],
            let agent = self.registry.reserve(for: task.requiredCapabilities, avoiding: Set(task.previousAssignees))
        else { return false }
        let now = self.now()
        task.attempts += 1
        task.state = .assigned
        task.assignedTo = agent
        task.deadline = now + Int64(task.timeoutMilliseconds)
        task.record("assigned", agent: agent, at: now)
        self.audit.record(.task("assigned", task, agent: agent))
        self.tasks[taskID] = task
        self.pending.removeAll { $0 == taskID }
        self.save(taskID)
        self.addDeadline(now + Int64(task.timeoutMilliseconds), taskID, task.attempts)
        self.send?(
            SendRequest(toAgent: agent, messageType: .taskRequest, content: task.requestContent, priority: task.priority, correlationID: taskID),
            task.supervisor
        )
        return true
    }

    /// Offers pending tasks, in priority then age order, to the agents available now.
    private func assignPending() {
        dispatchPrecondition(condition: .onQueue(self.queue))
        var index = 0
        while index < self.pending.count {
            let id = self.pending[index]
            if self.tryAssign(id) {
                continue  // tryAssign removed it; the same index now holds the next task
            }
            index += 1
        }
    }

    private func enqueuePending(_ task: TaskRecord) {
        let key = (task.priority.deliveryRank, task.sequence)
        let index = self.pending.firstIndex { id in
            guard let other = self.tasks[id] else { return false }
            return (other.priority.deliveryRank, other.sequence) > key
        } ?? self.pending.endIndex
        if !self.pending.contains(task.taskID) {
            self.pending.insert(task.taskID, at: index)
        }
    }

    // MARK: Deadlines: one timer for the earliest

    private func addDeadline(_ at: Int64, _ taskID: String, _ attempt: Int) {
        dispatchPrecondition(condition: .onQueue(self.queue))
        let index = self.deadlines.firstIndex { $0.at > at } ?? self.deadlines.endIndex
        self.deadlines.insert((at, taskID, attempt), at: index)
        self.armTimer()
    }

    private func armTimer() {
        guard let first = self.deadlines.first else { return }
        if let armed = self.timerAt, armed <= first.at { return }
        self.timer?.cancel()
        self.timerAt = first.at
        let item = DispatchWorkItem { [weak self] in self?.deadlinesDue() }
        self.timer = item
        let delay = max(0, first.at - self.now())
        self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(delay) + 1), execute: item)
    }

    private func deadlinesDue() {
        self.timerAt = nil
        self.timer = nil
        let now = self.now()
        while let first = self.deadlines.first, first.at <= now {
            self.deadlines.removeFirst()
            guard let task = self.tasks[first.taskID], task.state.isHeld, task.attempts == first.attempt else { continue }
            var error = JSONObject()
            error["message"] = .string("no result within \(task.timeoutMilliseconds) ms")
            self.attemptEnded(first.taskID, outcome: .timedOut, error: error, at: now)
        }
        self.armTimer()
    }

    // MARK: Helpers

    /// Writes the task's current state; failures are logged (the next change writes it again).
    @discardableResult
    private func save(_ taskID: String) -> EventLoopFuture<Void> {
        guard let task = self.tasks[taskID] else { return self.loop.makeSucceededVoidFuture() }
        self.noteIfFinished(task)
        let saved = self.store.saveRecord(.task, id: taskID, json: task.storedJSON, on: self.loop)
        saved.whenFailure { error in
            self.audit.record(.storeError("save_task", error))
            self.logger.warning("could not save task", metadata: ["agentd.task_id": "\(taskID)", "agentd.error": "\(error)"])
        }
        return saved
    }

    private func noteIfFinished(_ task: TaskRecord) {
        guard task.state.isFinal, self.finishedIDs.insert(task.taskID).inserted else { return }
        self.finished.append((task.updatedAt, task.taskID))
    }

    /// Forgets finished tasks older than the retention, in memory and in the store. Runs as
    /// tasks are assigned, so memory follows the task rate times the retention, not the
    /// number of tasks ever made.
    private func pruneFinished(now: Int64) {
        let horizon = now - Int64(self.configuration.taskRetentionMilliseconds)
        while self.finishedHead < self.finished.count, self.finished[self.finishedHead].at <= horizon {
            let taskID = self.finished[self.finishedHead].taskID
            self.finishedHead += 1
            self.finishedIDs.remove(taskID)
            self.tasks[taskID] = nil
            self.store.deleteRecord(.task, id: taskID, on: self.loop).whenFailure { error in
                self.logger.warning("could not delete a finished task", metadata: ["agentd.task_id": "\(taskID)", "agentd.error": "\(error)"])
            }
        }
        if self.finishedHead > 1_024 && self.finishedHead * 2 > self.finished.count {
            self.finished.removeFirst(self.finishedHead)
            self.finishedHead = 0
        }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws(AgentdError) -> T) -> EventLoopFuture<T> {
        self.queue.future(on: self.loop, body)
    }
}
