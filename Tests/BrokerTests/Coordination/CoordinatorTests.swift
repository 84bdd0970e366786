import AgentCore
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Broker

/// A broker over the memory store on a real event loop, driven through the same calls the
/// sessions make (the coordination timers ticked by hand where a test needs them).
private final class Fixture {
    let broker: Broker
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    /// Runs the coordination timers' jobs (deadlines, sweeps) as the service would.
    private var ticking: Task<Void, Never>?

    init(heartbeatTimeout: Int = 60_000, taskRetention: Int = 86_400_000) throws {
        var configuration = BrokerConfiguration()
        configuration.heartbeatTimeoutMilliseconds = heartbeatTimeout
        configuration.taskRetentionMilliseconds = taskRetention
        self.broker = Broker(
            configuration: configuration,
            store: MemoryStore(),
            loop: self.loop,
            logger: .init(label: "agentd.test")
        )
        try self.broker.start().wait()
        let timers = self.broker.timers
        self.ticking = Task.detached {
            while !Task.isCancelled {
                await timers.tick()
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    deinit {
        self.ticking?.cancel()
    }

    func register(_ agent: String, _ role: AgentRole, _ caps: [String], max: Int = 1) async throws {
        var body = JSONObject()
        body["role"] = .string(role.rawValue)
        body["capabilities"] = .array(caps.map { .string($0) })
        body["max_concurrent_tasks"] = .number(JSONNumber(max))
        _ = try await self.broker.registry.register(agent, try RegisterRequest(body), now: WallClock.nowMilliseconds()).get()
    }

    func assign(_ type: String, caps: [String], timeout: Int? = nil, retries: Int? = nil) async throws -> TaskRecord {
        var body = JSONObject()
        body["task_type"] = .string(type)
        body["required_capabilities"] = .array(caps.map { .string($0) })
        if let timeout { body["timeout_ms"] = .number(JSONNumber(timeout)) }
        if let retries { body["max_retries"] = .number(JSONNumber(retries)) }
        return try await self.broker.coordinator.assign(try AssignTaskRequest(body), supervisor: "boss").get().task
    }

    func task(_ id: String) async throws -> TaskRecord {
        try await self.broker.coordinator.task(id, viewer: "boss", role: .supervisor).get()
    }

    func report(_ taskID: String, _ status: String, from agent: String) async {
        var content = JSONObject()
        content["task_id"] = .string(taskID)
        content["status"] = .string(status)
        _ = try? await self.broker.coordinator.observe(.taskResponse, content: content, from: agent)?.get()
    }

    /// Waits (bounded) until `condition` holds for the task, without blocking a thread (the
    /// timers tick on the same pool).
    func eventually(_ id: String, _ condition: (TaskRecord) -> Bool) async throws -> TaskRecord {
        for _ in 0..<400 {
            let task = try await self.task(id)
            if condition(task) { return task }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await self.task(id)
    }
}

@Suite struct CoordinatorTests {
    @Test func anIdempotencyKeyMakesOneTaskPerSupervisor() async throws {
        let fixture = try Fixture()
        try await fixture.register("w", .worker, ["k"], max: 3)
        func assign(_ supervisor: String, _ n: Int) async throws -> (task: TaskRecord, duplicate: Bool) {
            var body = JSONObject()
            body["task_type"] = .string("t")
            body["required_capabilities"] = .array([.string("k")])
            body["parameters"] = .object(["n": .number(JSONNumber(n))])
            body["idempotency_key"] = .string("job-1")
            return try await fixture.broker.coordinator.assign(try AssignTaskRequest(body), supervisor: supervisor).get()
        }
        let first = try await assign("boss", 1)
        let again = try await assign("boss", 1)
        #expect(!first.duplicate && again.duplicate)
        #expect(first.task.taskID == again.task.taskID && first.task.taskID == Coordinator.taskID(supervisor: "boss", idempotencyKey: "job-1"))
        await #expect(throws: AgentdError.self) { _ = try await assign("boss", 2) }
        let other = try await assign("boss-2", 1)
        #expect(!other.duplicate && other.task.taskID != first.task.taskID)
    }

    @Test func pendingUntilACapableWorkerRegisters() async throws {
        let f = try Fixture()
        try await f.register("boss", .supervisor, [])
        let task = try await f.assign("summarise", caps: ["nlp"])
        #expect(task.state == .pending && task.assignedTo == nil)
        try await f.register("w1", .worker, ["code"])
        #expect(try await f.task(task.taskID).state == .pending)
        try await f.register("w2", .worker, ["nlp"])
        let assigned = try await f.eventually(task.taskID) { $0.state == .assigned }
        #expect(assigned.assignedTo == "w2")
        #expect(assigned.attempts == 1)
    }

    @Test func onlyTheAssigneesReportsCount() async throws {
        let f = try Fixture()
        try await f.register("w1", .worker, [])
        try await f.register("w2", .worker, [])
        let task = try await f.assign("x", caps: [])
        let assignee = try #require(task.assignedTo)
        let other = assignee == "w1" ? "w2" : "w1"
        await f.report(task.taskID, "completed", from: other)
        await f.report(task.taskID, "in_progress", from: assignee)
        let progressing = try await f.eventually(task.taskID) { $0.state == .inProgress }
        #expect(progressing.state == .inProgress)
        await f.report(task.taskID, "completed", from: assignee)
        let done = try await f.eventually(task.taskID) { $0.state == .completed }
        #expect(done.history.map(\.event) == ["created", "assigned", "in_progress", "completed"])
    }

    @Test func timedOutAttemptsRetryElsewhereThenEndTimedOut() async throws {
        let f = try Fixture()
        try await f.register("w1", .worker, [])
        try await f.register("w2", .worker, [])
        let task = try await f.assign("slow", caps: [], timeout: 60, retries: 1)
        let first = try #require(task.assignedTo)
        let retried = try await f.eventually(task.taskID) { $0.attempts == 2 }
        #expect(retried.assignedTo != first)
        let ended = try await f.eventually(task.taskID) { $0.state.isFinal }
        #expect(ended.state == .timedOut)
        #expect(ended.attempts == 2)
    }

    @Test func aSilentWorkerLosesItsTaskToAnother() async throws {
        // 1 s: w1 must still be alive when the task is assigned, and w2's touches (every 10 ms)
        // must keep it alive, even when the parallel test run starves this thread for a
        // while; w1 still goes offline well within the loop's 5 s.
        let f = try Fixture(heartbeatTimeout: 1_000)
        try await f.register("w1", .worker, ["nlp"])
        let task = try await f.assign("x", caps: ["nlp"])
        #expect(task.assignedTo == "w1")
        try await f.register("w2", .worker, ["nlp"])
        // w2 keeps living; w1 falls silent and is swept offline.
        var moved = try await f.task(task.taskID)
        for _ in 0..<500 where moved.assignedTo != "w2" {
            f.broker.presence.touch("w2", now: WallClock.nowMilliseconds())
            try await Task.sleep(for: .milliseconds(10))
            moved = try await f.task(task.taskID)
        }
        #expect(moved.assignedTo == "w2")
        #expect(moved.history.contains { $0.event == "orphaned" && $0.agentID == "w1" })
    }

    /// Finished tasks are forgotten once the retention has passed (when the next task is
    /// assigned); tasks still running are kept however old.
    @Test func finishedTasksAreForgottenAfterTheRetention() async throws {
        let f = try Fixture(taskRetention: 200)
        try await f.register("w1", .worker, ["a"])
        let done = try await f.assign("done", caps: ["a"])
        await f.report(done.taskID, "completed", from: "w1")
        #expect(try await f.eventually(done.taskID) { $0.state == .completed }.state == .completed)
        let running = try await f.assign("running", caps: ["b"])   // nobody has b: stays pending
        try await Task.sleep(for: .milliseconds(300))
        _ = try await f.assign("trigger", caps: ["b"])
        await #expect(throws: AgentdError.self) { try await f.task(done.taskID) }
        #expect(try await f.task(running.taskID).state == .pending)
    }

    @Test func cancelEndsTheTaskAndFreesTheSlot() async throws {
        let f = try Fixture()
        try await f.register("w1", .worker, [])
        let first = try await f.assign("a", caps: [])
        let second = try await f.assign("b", caps: [])
        #expect(second.state == .pending)
        let cancelled = try await f.broker.coordinator.cancel(first.taskID, by: "boss", role: .supervisor).get()
        #expect(cancelled.state == .cancelled)
        let next = try await f.eventually(second.taskID) { $0.state == .assigned }
        #expect(next.assignedTo == "w1")
    }

    @Test func workersSeeOnlyTheirTasks() async throws {
        let f = try Fixture()
        try await f.register("w1", .worker, [])
        let task = try await f.assign("a", caps: [])
        await #expect(throws: AgentdError.self) {
            try await f.broker.coordinator.task(task.taskID, viewer: "stranger", role: .worker).get()
        }
        #expect(try await f.broker.coordinator.task(task.taskID, viewer: "w1", role: .worker).get().taskID == task.taskID)
    }

    @Test func taskRecordsRoundTripThroughTheStoredForm() async throws {
        let f = try Fixture()
        try await f.register("w1", .worker, [])
        let task = try await f.assign("a", caps: [])
        let copy = try #require(TaskRecord(stored: task.storedJSON))
        #expect(copy.taskID == task.taskID && copy.state == task.state && copy.assignedTo == task.assignedTo)
        #expect(copy.deadline == task.deadline && copy.history.count == task.history.count)
    }
}
