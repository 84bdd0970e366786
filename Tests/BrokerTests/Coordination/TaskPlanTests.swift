import AgentCore
import Testing

@testable import Broker

/// Plans computed from one snapshot and committed to the memory store's coordination state:
/// what two daemons acting on the same view at once would do.
@Suite struct TaskPlanTests {
    private static func worker(_ id: String, max: Int = 1) -> AgentRecord {
        AgentRecord(
            agentID: id, role: .worker, capabilities: ["k"], maxConcurrentTasks: max, currentTasks: 0,
            status: .active, lastHeartbeat: 0, registeredAt: 0, metadata: JSONObject()
        )
    }

    private static func task(_ id: String, retries: Int = 1) -> TaskRecord {
        TaskRecord(
            taskID: id, taskType: "t", description: "", parameters: JSONObject(), requiredCapabilities: ["k"],
            priority: .medium, state: .pending, assignedTo: nil, supervisor: "boss", attempts: 0, maxRetries: retries,
            timeoutMilliseconds: 1_000, deadline: nil, result: nil, error: nil, createdAt: 0, updatedAt: 0, history: [],
            previousAssignees: [], sequence: 1
        )
    }

    private static func store(agents: [AgentRecord]) -> MemoryCoordination {
        var state = MemoryCoordination()
        var setup = CoordinationTransaction()
        for agent in agents { setup.writes += [.putAgent(agent), .seen(agent.agentID)] }
        _ = state.commit(setup, now: 0)
        return state
    }

    @Test func twoAssignmentsFromOneSnapshotNeverShareTheLastSlot() {
        var state = Self.store(agents: [Self.worker("w1")])
        let snapshot = state.read(CoordinationQuery(agents: true), now: 10)
        var first = TaskPlan(snapshot)
        first.create(Self.task("a"))
        let firstAssigned = first.assignOrQueue("a")
        #expect(firstAssigned)
        var second = TaskPlan(snapshot)
        second.create(Self.task("b"))
        let secondAssigned = second.assignOrQueue("b")
        #expect(secondAssigned)   // the stale view says w1 is free
        #expect(state.commit(first.finished(), now: 10) == .committed(cameBack: []))
        #expect(state.commit(second.finished(), now: 10) == .conflict)
        // Planned again from a fresh snapshot, b waits.
        var retry = TaskPlan(state.read(CoordinationQuery(agents: true), now: 11))
        retry.create(Self.task("b"))
        let retried = retry.assignOrQueue("b")
        #expect(!retried)
        #expect(state.commit(retry.finished(), now: 11) == .committed(cameBack: []))
        #expect(state.agents["w1"]?.record.currentTasks == 1)
        #expect(state.tasks["a"]?.record.assignedTo == "w1")
        #expect(state.tasks["b"]?.record.state == .pending)
        #expect(state.counts[.assigned] == 1 && state.counts[.pending] == 1)
        #expect(state.outbox.map(\.messageID) == ["a:request:1"])
    }

    @Test func aDeadlineSeenByTwoDaemonsEndsTheAttemptOnce() {
        var state = Self.store(agents: [Self.worker("w1"), Self.worker("w2")])
        var assign = TaskPlan(state.read(CoordinationQuery(agents: true), now: 0))
        assign.create(Self.task("a"))
        assign.assignOrQueue("a")
        _ = state.commit(assign.finished(), now: 0)
        let due = state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 2_000)
        var one = TaskPlan(due)
        one.attemptEnded("a", outcome: .timedOut, error: JSONObject())
        var other = TaskPlan(due)
        other.attemptEnded("a", outcome: .timedOut, error: JSONObject())
        #expect(state.commit(one.finished(), now: 2_000) == .committed(cameBack: []))
        #expect(state.commit(other.finished(), now: 2_000) == .conflict)
        let task = state.tasks["a"]?.record
        #expect(task?.attempts == 2)
        #expect(task?.history.filter { $0.event == "timed_out" }.count == 1)
        #expect(task?.assignedTo != nil && task?.assignedTo != "w1")
    }

    @Test func aReportThatFreesASlotHandsItToThePendingTaskInTheSameCommit() throws {
        var state = Self.store(agents: [Self.worker("w1")])
        var setup = TaskPlan(state.read(CoordinationQuery(agents: true), now: 0))
        setup.create(Self.task("a"))
        setup.assignOrQueue("a")
        setup.create(Self.task("b"))
        setup.assignOrQueue("b")
        _ = state.commit(setup.finished(), now: 0)
        #expect(state.tasks["b"]?.record.state == .pending)
        var report = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"], pendingHead: 10), now: 5))
        try report.report("a", status: "completed", content: JSONObject(), from: "w1")
        report.assignPending()
        #expect(state.commit(report.finished(), now: 5) == .committed(cameBack: []))
        #expect(state.tasks["a"]?.record.state == .completed)
        #expect(state.tasks["b"]?.record.assignedTo == "w1")
        #expect(state.agents["w1"]?.record.currentTasks == 1)
    }

    @Test func aReportFromAnyoneButTheAssigneeChangesNothing() throws {
        var state = Self.store(agents: [Self.worker("w1")])
        var setup = TaskPlan(state.read(CoordinationQuery(agents: true), now: 0))
        setup.create(Self.task("a"))
        setup.assignOrQueue("a")
        _ = state.commit(setup.finished(), now: 0)
        var report = TaskPlan(state.read(CoordinationQuery(agents: true, taskIDs: ["a"]), now: 5))
        try report.report("a", status: "completed", content: JSONObject(), from: "intruder")
        #expect(report.finished().isEmpty)
    }

    @Test func aSilentAgentIsMarkedOfflineOnceWhoeverSweeps() {
        var state = Self.store(agents: [Self.worker("w1")])
        let snapshot = state.read(CoordinationQuery(silentFor: 100), now: 1_000)
        #expect(snapshot.silent.map(\.agent) == ["w1"])
        let (agent, seen) = snapshot.silent[0]
        var mark = CoordinationTransaction()
        mark.conditions = [.silentSince(agent, seen)]
        mark.writes = [.status(agent, .offline)]
        #expect(state.commit(mark, now: 1_000) == .committed(cameBack: []))
        #expect(state.commit(mark, now: 1_000) == .conflict)
        #expect(state.read(CoordinationQuery(silentFor: 100), now: 2_000).silent.isEmpty)
        // A frame brings it back, reported once.
        var touch = CoordinationTransaction()
        touch.writes = [.touch("w1", ageMilliseconds: 0)]
        #expect(state.commit(touch, now: 2_000) == .committed(cameBack: ["w1"]))
        #expect(state.commit(touch, now: 2_001) == .committed(cameBack: []))
    }
}
