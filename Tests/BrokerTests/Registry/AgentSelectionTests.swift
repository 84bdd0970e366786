import AgentCore
import Testing

@testable import Broker

private func agent(
    _ id: String,
    role: AgentRole = .worker,
    caps: [String] = ["nlp"],
    current: Int = 0,
    max: Int = 1,
    status: AgentStatus = .active,
    heartbeat: Int64 = 0
) -> AgentRecord {
    AgentRecord(
        agentID: id,
        role: role,
        capabilities: caps,
        maxConcurrentTasks: max,
        currentTasks: current,
        status: status,
        lastHeartbeat: heartbeat,
        registeredAt: 0,
        metadata: JSONObject()
    )
}

@Suite struct AgentSelectionTests {
    @Test func lowestLoadWinsThenFreshestHeartbeat() {
        let agents = [
            agent("busy", current: 1, max: 2, heartbeat: 900),
            agent("old", current: 0, max: 4, heartbeat: 100),
            agent("fresh", current: 0, max: 1, heartbeat: 500),
        ]
        #expect(AgentSelection.best(for: ["nlp"], among: agents)?.agentID == "fresh")
        #expect(agents.sorted(by: AgentSelection.isBetter).map(\.agentID) == ["fresh", "old", "busy"])
    }

    @Test func everyRequiredCapabilityIsNeeded() {
        let agents = [agent("a", caps: ["nlp"]), agent("b", caps: ["nlp", "code"])]
        #expect(AgentSelection.best(for: ["nlp", "code"], among: agents)?.agentID == "b")
        #expect(AgentSelection.best(for: ["vision"], among: agents) == nil)
    }

    @Test func unavailableAgentsAreSkipped() {
        let agents = [
            agent("full", current: 1, max: 1),
            agent("off", status: .offline),
            agent("draining", status: .draining),
            agent("boss", role: .supervisor),
            agent("watcher", role: .monitor),
        ]
        #expect(AgentSelection.best(for: [], among: agents) == nil)
        #expect(AgentSelection.best(for: [], among: agents + [agent("busy-but-free", status: .busy)])?.agentID == "busy-but-free")
    }

    @Test func earlierAssigneesOnlyWhenNoOneElseQualifies() {
        let agents = [agent("first", heartbeat: 900), agent("second", current: 0, max: 1, heartbeat: 100)]
        #expect(AgentSelection.best(for: [], among: agents, avoiding: ["first"])?.agentID == "second")
        #expect(AgentSelection.best(for: [], among: [agents[0]], avoiding: ["first"])?.agentID == "first")
    }
}
