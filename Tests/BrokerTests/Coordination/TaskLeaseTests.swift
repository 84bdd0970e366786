import AgentCore
import Testing

@testable import Broker

/// Leases and fencing, failure kinds and the attempts log, planned on the memory store's
/// coordination state with the snapshot's clock (no sleeping).
@Suite struct TaskLeaseTests {
    private static func worker(_ id: String) -> AgentRecord {
        AgentRecord(
            agentID: id, role: .worker, capabilities: ["k"], maxConcurrentTasks: 1, currentTasks: 0,
            status: .active, lastHeartbeat: 0, registeredAt: 0, metadata: JSONObject()
        )
    }

    private static func task(_ id: String, retries: Int = 1, leaseMilliseconds: Int? = 1_000) -> TaskRecord {
        TaskRecord(
            taskID: id, taskType: "t", description: "", parameters: JSONObject(), requiredCapabilities: ["k"],
            priority: .medium, state: .pending, assignedTo: nil, supervisor: "boss", attempts: 0, maxRetries: retries,
            timeoutMilliseconds: 60_000, deadline: nil, result: nil, error: nil, createdAt: 0, updatedAt: 0, history: [],
            previousAssignees: [], sequence: 1, leaseMilliseconds: leaseMilliseconds
        )
    }

    /// Two workers and task `a` assigned at time 0 (to w1: the first in order).
    private static func assigned(retries: Int = 1, leaseMilliseconds: Int? = 1_000) -> MemoryCoordination {
        var state = MemoryCoordination()
        var setup = CoordinationTransaction()
        for agent in [Self.worker("w1"), Self.worker("w2")] { setup.writes += [.putAgent(agent), .seen(agent.agentID)] }
        _ = state.commit(setup, now: 0)
        var plan = TaskPlan(state.read(CoordinationQuery(agents: true), now: 0))
        plan.create(Self.task("a", retries: retries, leaseMilliseconds: leaseMilliseconds))
        plan.assignOrQueue("a")
        _ = state.commit(plan.finished(), now: 0)
        return state
    }

    private static func plan(_ state: MemoryCoordination, at now: Int64) -> TaskPlan {
        TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"], pendingHead: 10), now: now))
    }

    private static func content(_ status: String) -> JSONObject {
        var content = JSONObject()
        content["status"] = .string(status)
        return content
    }

    @Test func eachAssignmentIsANewLeaseCarriedInTheRequest() throws {
        let state = Self.assigned()
        let task = try #require(state.tasks["a"]?.record)
        #expect(task.lease == 1)
        #expect(task.leaseExpiresAt == 1_000)
        #expect(task.nextDue == 1_000)  // the lease comes before the 60 s deadline
        #expect(task.requestContent["lease"] == .number(JSONNumber(1)))
        #expect(task.requestContent["attempt"] == .number(JSONNumber(1)))
        #expect(task.attemptsLog == [.init(attempt: 1, lease: 1, agentID: task.assignedTo ?? "", startedAt: 0)])
    }

    @Test func aReportRenewsTheLease() throws {
        var state = Self.assigned()
        let assignee = try #require(state.tasks["a"]?.record.assignedTo)
        var report = Self.plan(state, at: 700)
        try report.report("a", status: "in_progress", content: Self.content("in_progress"), from: assignee, lease: 1)
        #expect(state.commit(report.finished(), now: 700) == .committed(cameBack: []))
        #expect(state.tasks["a"]?.record.leaseExpiresAt == 1_700)
        #expect(state.read(CoordinationQuery(dueDeadlines: 10), now: 1_200).due.isEmpty)
        #expect(state.read(CoordinationQuery(dueDeadlines: 10), now: 1_700).due == ["a"])
    }

    @Test func aRunOutLeaseEndsTheAttemptAndTheLateReportIsRefused() throws {
        var state = Self.assigned()
        let first = try #require(state.tasks["a"]?.record.assignedTo)
        var expire = Self.plan(state, at: 1_000)
        expire.attemptEnded("a", outcome: .leaseExpired, error: ["message": .string("no report within the lease")])
        #expect(state.commit(expire.finished(), now: 1_000) == .committed(cameBack: []))
        let task = try #require(state.tasks["a"]?.record)
        #expect(task.lease == 2 && task.attempts == 2 && task.assignedTo != first)
        #expect(task.attemptsLog.map(\.outcome) == ["lease_expired", nil])
        #expect(task.history.map(\.event).contains("lease_expired"))
        // The zombie's report, with its old lease: refused, and nothing planned.
        var late = Self.plan(state, at: 1_100)
        #expect(throws: AgentdError.self) {
            try late.report("a", status: "completed", content: Self.content("completed"), from: first, lease: 1)
        }
        #expect(late.finished().isEmpty)
    }

    @Test func aLeaseThatRunsOutOnTheLastAttemptEndsTheTaskTimedOut() throws {
        var state = Self.assigned(retries: 0)
        var expire = Self.plan(state, at: 1_000)
        expire.attemptEnded("a", outcome: .leaseExpired, error: JSONObject())
        _ = state.commit(expire.finished(), now: 1_000)
        #expect(state.tasks["a"]?.record.state == .timedOut)
    }

    @Test func theReportThatCompletedTheTaskMaySafelyComeAgain() throws {
        var state = Self.assigned()
        let assignee = try #require(state.tasks["a"]?.record.assignedTo)
        var done = Self.plan(state, at: 500)
        try done.report("a", status: "completed", content: Self.content("completed"), from: assignee, lease: 1)
        _ = state.commit(done.finished(), now: 500)
        #expect(state.tasks["a"]?.record.attemptsLog.map(\.outcome) == ["completed"])
        // The same report again (a retry after a lost reply): let through, changes nothing.
        var again = Self.plan(state, at: 600)
        try again.report("a", status: "completed", content: Self.content("completed"), from: assignee, lease: 1)
        #expect(again.finished().isEmpty)
        // Anything else under that lease, now that the task ended, is stale.
        var other = Self.plan(state, at: 600)
        #expect(throws: AgentdError.self) {
            try other.report("a", status: "in_progress", content: Self.content("in_progress"), from: assignee, lease: 1)
        }
    }

    @Test func aPermanentFailureIsNotRetried() throws {
        var state = Self.assigned(retries: 3)
        let assignee = try #require(state.tasks["a"]?.record.assignedTo)
        var fail = Self.plan(state, at: 100)
        var content = Self.content("failed")
        content["error"] = .object(["kind": .string("permanent"), "message": .string("unreadable input")])
        try fail.report("a", status: "failed", content: content, from: assignee, lease: 1)
        _ = state.commit(fail.finished(), now: 100)
        let task = try #require(state.tasks["a"]?.record)
        #expect(task.state == .failed && task.attempts == 1)
        #expect(task.error?["kind"] == .string("permanent"))
        #expect(task.attemptsLog.first?.outcome == "failed")
        #expect(task.attemptsLog.first?.error?["message"] == .string("unreadable input"))
        #expect(state.outbox.map(\.messageID).contains("a:final"))
    }

    @Test func aTransientFailureIsRetriedUnderANewLease() throws {
        var state = Self.assigned(retries: 3)
        let assignee = try #require(state.tasks["a"]?.record.assignedTo)
        var fail = Self.plan(state, at: 100)
        var content = Self.content("failed")
        content["error"] = .object(["kind": .string("transient"), "message": .string("rate limited")])
        try fail.report("a", status: "failed", content: content, from: assignee, lease: 1)
        _ = state.commit(fail.finished(), now: 100)
        let task = try #require(state.tasks["a"]?.record)
        #expect(task.state == .assigned && task.lease == 2 && task.attempts == 2)
    }

    @Test func theStoredFormKeepsLeasesAndTheLog() throws {
        var state = Self.assigned()
        var cancel = Self.plan(state, at: 300)
        cancel.cancel("a", by: "boss")
        _ = state.commit(cancel.finished(), now: 300)
        let task = try #require(state.tasks["a"]?.record)
        let copy = try #require(TaskRecord(stored: task.storedJSON))
        #expect(copy.lease == 1 && copy.leaseMilliseconds == 1_000 && copy.leaseExpiresAt == nil)
        #expect(copy.attemptsLog == task.attemptsLog)
        #expect(copy.attemptsLog.first?.outcome == "cancelled" && copy.attemptsLog.first?.endedAt == 300)
    }
}

/// Budgets, input required and sub-tasks, planned on the memory store's coordination state.
@Suite struct AgentNativeTaskTests {
    private static func worker(_ id: String) -> AgentRecord {
        AgentRecord(
            agentID: id, role: .worker, capabilities: ["k"], maxConcurrentTasks: 2, currentTasks: 0,
            status: .active, lastHeartbeat: 0, registeredAt: 0, metadata: JSONObject()
        )
    }

    private static func state(_ task: TaskRecord) -> MemoryCoordination {
        var state = MemoryCoordination()
        var setup = CoordinationTransaction()
        setup.writes += [.putAgent(Self.worker("w1")), .seen("w1")]
        _ = state.commit(setup, now: 0)
        var plan = TaskPlan(state.read(CoordinationQuery(agents: true), now: 0))
        plan.create(task)
        plan.assignOrQueue(task.taskID)
        _ = state.commit(plan.finished(), now: 0)
        return state
    }

    private static func task(_ id: String, budget: TaskAmounts? = nil, retries: Int = 2) -> TaskRecord {
        TaskRecord(
            taskID: id, taskType: "t", description: "", parameters: JSONObject(), requiredCapabilities: ["k"],
            priority: .medium, state: .pending, assignedTo: nil, supervisor: "boss", attempts: 0, maxRetries: retries,
            timeoutMilliseconds: 10_000, deadline: nil, result: nil, error: nil, createdAt: 0, updatedAt: 0, history: [],
            previousAssignees: [], sequence: 1, budget: budget
        )
    }

    private static func report(_ status: String, usage: JSONObject? = nil) -> JSONObject {
        var content = JSONObject()
        content["status"] = .string(status)
        if let usage { content["usage"] = .object(usage) }
        return content
    }

    @Test func usageAddsUpAndABudgetStopsTheTaskWithoutRetry() throws {
        var state = Self.state(Self.task("a", budget: TaskAmounts(tokens: 1_000, costUSD: 0.5)))
        var first = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 10))
        try first.report("a", status: "in_progress", content: Self.report("in_progress", usage: ["tokens": 600, "cost_usd": 0.1]), from: "w1")
        _ = state.commit(first.finished(), now: 10)
        #expect(state.tasks["a"]?.record.usage == TaskAmounts(tokens: 600, costUSD: 0.1, turns: 0))
        #expect(state.tasks["a"]?.record.state == .inProgress)
        var second = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 20))
        try second.report("a", status: "in_progress", content: Self.report("in_progress", usage: ["tokens": 500]), from: "w1")
        _ = state.commit(second.finished(), now: 20)
        let task = try #require(state.tasks["a"]?.record)
        #expect(task.state == .failed && task.attempts == 1)
        #expect(task.error?["kind"] == .string("budget_exceeded"))
        #expect(task.usage.tokens == 1_100)
        #expect(state.agents["w1"]?.record.currentTasks == 0)
        let cancel = try #require(state.outbox.first { $0.messageID == "a:cancel" })
        #expect(cancel.recipient == "w1")
        #expect(String(decoding: cancel.content, as: UTF8.self).contains("\"reason\":\"budget_exceeded\""))
        #expect(state.outbox.contains { $0.messageID == "a:final" && $0.recipient == "boss" })
    }

    @Test func inputRequiredStopsTheClockAndResumeGivesBackTheTimeLeft() throws {
        var state = Self.state(Self.task("a"))
        #expect(state.tasks["a"]?.record.deadline == 10_000)
        var ask = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 4_000))
        try ask.report("a", status: "input_required", content: Self.report("input_required"), from: "w1")
        _ = state.commit(ask.finished(), now: 4_000)
        var task = try #require(state.tasks["a"]?.record)
        #expect(task.state == .inputRequired && task.deadline == nil && task.pausedRemaining == 6_000)
        #expect(state.counts[.inputRequired] == 1)
        // Long after the first deadline: nothing is due while it waits.
        #expect(state.read(CoordinationQuery(dueDeadlines: 10), now: 50_000).due.isEmpty)
        var resume = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 50_000))
        try resume.resume("a", input: .string("yes"))
        _ = state.commit(resume.finished(), now: 50_000)
        task = try #require(state.tasks["a"]?.record)
        #expect(task.state == .assigned && task.assignedTo == "w1" && task.deadline == 56_000 && task.attempts == 1)
        #expect(state.outbox.contains { $0.messageID == "a:resume:1" && $0.recipient == "w1" })
        // Resuming a task that does not wait is a bad request.
        var again = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 50_001))
        #expect(throws: AgentdError.self) { try again.resume("a", input: .null) }
    }

    @Test func resumingForAnAssigneeGoneOfflineOrphansTheAttempt() throws {
        var state = Self.state(Self.task("a"))
        var ask = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 100))
        try ask.report("a", status: "input_required", content: Self.report("input_required"), from: "w1")
        _ = state.commit(ask.finished(), now: 100)
        var offline = CoordinationTransaction()
        offline.writes = [.status("w1", .offline)]
        _ = state.commit(offline, now: 200)
        var resume = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 300))
        try resume.resume("a", input: .string("go"))
        _ = state.commit(resume.finished(), now: 300)
        let task = try #require(state.tasks["a"]?.record)
        #expect(task.state == .pending && task.attemptsLog.map(\.outcome) == ["orphaned"])
    }

    @Test func anEndedParentNamesItsChildrenForTheCascade() throws {
        var parent = Self.task("p")
        parent.children = ["c1"]
        var state = Self.state(parent)
        var done = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["p"]), now: 100))
        try done.report("p", status: "completed", content: Self.report("completed"), from: "w1")
        #expect(done.endedParents == ["p"])
        _ = state.commit(done.finished(), now: 100)
    }
}

@Suite struct OutboxPackingTests {
    @Test func aTraceparentRidesInThePackedLineAndOldLinesStillRead() throws {
        let content = Array(#"{"task_id":"t-1"}"#.utf8)
        var message = OutboxMessage(
            sender: "boss", recipient: "w", messageID: "t-1:request:1", type: .taskRequest, priority: .high,
            correlationID: "t-1", content: content, at: 42,
            traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        )
        #expect(OutboxMessage(packed: message.packed) == message)
        message.traceparent = nil
        #expect(OutboxMessage(packed: message.packed) == message)
        #expect(OutboxMessage(packed: message.packed)?.content == content)
    }
}
