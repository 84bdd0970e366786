import AgentCore
import Testing

@testable import Broker

/// The registry's plans applied to the memory store's coordination state, on a clock the
/// tests set (plain milliseconds).
@Suite struct RegistryPlanTests {
    private static func register(_ role: AgentRole, caps: [String], max: Int = 1) throws -> RegisterRequest {
        var body = JSONObject()
        body["role"] = .string(role.rawValue)
        body["capabilities"] = .array(caps.map { .string($0) })
        body["max_concurrent_tasks"] = .number(JSONNumber(max))
        return try RegisterRequest(body)
    }

    private static func agent(_ state: MemoryCoordination, _ id: String, now: Int64) -> AgentRecord? {
        state.read(CoordinationQuery(agents: true), now: now).agents[id]
    }

    @Test func registeringAgainKeepsRegisteredAtAndLoadAndBringsAnOfflineAgentBack() throws {
        var state = MemoryCoordination()
        let (first, create) = RegistryPlan.register("w1", try Self.register(.worker, caps: ["a"]), existing: nil, now: 1_000)
        #expect(first.registeredAt == 1_000 && first.status == .active)
        _ = state.commit(create, now: 1_000)
        var busy = CoordinationTransaction()
        busy.writes = [.setLoad("w1", 2), .status("w1", .offline)]
        _ = state.commit(busy, now: 1_500)
        let existing = Self.agent(state, "w1", now: 2_000)
        let (again, update) = RegistryPlan.register("w1", try Self.register(.worker, caps: ["b"], max: 3), existing: existing, now: 2_000)
        #expect(again.registeredAt == 1_000)
        #expect(again.status == .active && again.capabilities == ["b"] && again.maxConcurrentTasks == 3)
        _ = state.commit(update, now: 2_000)
        let stored = try #require(Self.agent(state, "w1", now: 2_000))
        #expect(stored.currentTasks == 2 && stored.status == .active && stored.lastHeartbeat == 2_000)
    }

    @Test func aHeartbeatNeedsARegistrationAndKeepsWhatItOmits() throws {
        var state = MemoryCoordination()
        var body = JSONObject()
        body["status"] = .string("busy")
        #expect(state.commit(RegistryPlan.heartbeat("w1", try HeartbeatRequest(body)), now: 0) == .conflict)
        _ = state.commit(RegistryPlan.register("w1", try Self.register(.worker, caps: []), existing: nil, now: 0).1, now: 0)
        #expect(state.commit(RegistryPlan.heartbeat("w1", try HeartbeatRequest(body)), now: 10) == .committed(cameBack: []))
        body = JSONObject()
        body["current_tasks"] = .number(JSONNumber(4))
        _ = state.commit(RegistryPlan.heartbeat("w1", try HeartbeatRequest(body)), now: 20)
        let stored = try #require(Self.agent(state, "w1", now: 20))
        #expect(stored.status == .busy && stored.currentTasks == 4 && stored.lastHeartbeat == 20)
    }

    @Test func batchedSignsOfLifeAreAgesAndNeverMoveLastSeenBack() throws {
        var state = MemoryCoordination()
        _ = state.commit(RegistryPlan.register("w1", try Self.register(.worker, caps: []), existing: nil, now: 0).1, now: 0)
        // Seen at local 950 when the daemon flushes at local 1 000: 50 ms before the store's now.
        _ = state.commit(RegistryPlan.touch([("w1", 950)], now: 1_000), now: 5_000)
        #expect(Self.agent(state, "w1", now: 5_000)?.lastHeartbeat == 4_950)
        // An older frame written late does not move it back.
        _ = state.commit(RegistryPlan.touch([("w1", 100)], now: 1_000), now: 5_010)
        #expect(Self.agent(state, "w1", now: 5_010)?.lastHeartbeat == 4_950)
    }

    @Test func deregisteringTwiceFindsNothingTheSecondTime() throws {
        var state = MemoryCoordination()
        _ = state.commit(RegistryPlan.register("w1", try Self.register(.worker, caps: []), existing: nil, now: 0).1, now: 0)
        #expect(state.commit(RegistryPlan.deregister("w1"), now: 1) == .committed(cameBack: []))
        #expect(state.commit(RegistryPlan.deregister("w1"), now: 2) == .conflict)
        #expect(Self.agent(state, "w1", now: 2) == nil)
    }

    @Test func twoSweepsOfOneSnapshotMarkAnAgentOfflineOnce() throws {
        var state = MemoryCoordination()
        _ = state.commit(RegistryPlan.register("w1", try Self.register(.worker, caps: []), existing: nil, now: 0).1, now: 0)
        let silent = state.read(CoordinationQuery(silentFor: 100), now: 500).silent
        #expect(silent.map(\.agent) == ["w1"])
        let mark = RegistryPlan.markOffline("w1", seen: silent[0].seen)
        #expect(state.commit(mark, now: 500) == .committed(cameBack: []))
        #expect(state.commit(mark, now: 500) == .conflict)
        #expect(Self.agent(state, "w1", now: 500)?.status == .offline)
    }
}
