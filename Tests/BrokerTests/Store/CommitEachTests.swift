import AgentCore
import NIOCore
import Testing

@testable import Broker

/// `commitEach`: several transactions in one store step, each all or nothing on its own (the
/// heartbeat sweeper marks a whole pass of silent agents offline this way).
@Suite struct CommitEachTests {
    private func register(_ store: any CoordinationStore, _ agent: String, on loop: any EventLoop) async throws {
        var body = JSONObject()
        body["role"] = .string("worker")
        body["capabilities"] = .array([])
        let (_, create) = RegistryPlan.register(agent, try RegisterRequest(body), existing: nil, now: 0)
        #expect(try await store.commit(create, on: loop).get() == .committed(cameBack: []))
    }

    @Test(arguments: StoreBackend.available)
    func eachMarkStandsOnItsOwn(backend: StoreBackend) async throws {
        try await withClockedStore(backend) { messages, loop, clock in
            let store = try #require(messages as? any CoordinationStore)
            for agent in ["a", "b", "c"] { try await self.register(store, agent, on: loop) }
            try await clock.advance(5)
            let silent = try await store.read(CoordinationQuery(silentFor: 1), on: loop).get().silent
            #expect(Set(silent.map(\.agent)) == ["a", "b", "c"])
            // b is heard from after the read: its mark's condition fails, the others' do not.
            try await clock.advance(5)
            #expect(try await store.commit(RegistryPlan.touch([("b", 0)], now: 0), on: loop).get() == .committed(cameBack: []))
            let marks = silent.map { RegistryPlan.markOffline($0.agent, seen: $0.seen) }
            let outcomes = try await store.commitEach(marks, on: loop).get()
            let byAgent = Dictionary(uniqueKeysWithValues: zip(silent.map(\.agent), outcomes))
            #expect(byAgent == ["a": .committed(cameBack: []), "b": .conflict, "c": .committed(cameBack: [])])
            let agents = try await store.read(CoordinationQuery(agents: true), on: loop).get().agents
            #expect(agents["a"]?.status == .offline)
            #expect(agents["b"]?.status == .active)
            #expect(agents["c"]?.status == .offline)
            // Again: nothing left to mark; no transactions, no store call.
            #expect(try await store.commitEach(marks, on: loop).get() == [.conflict, .conflict, .conflict])
            #expect(try await store.commitEach([], on: loop).get() == [])
        }
    }
}
