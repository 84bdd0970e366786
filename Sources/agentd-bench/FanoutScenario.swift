/// `fanout`: broadcast to many agents. A placeholder until agentd answers `broadcast`
/// (it arrives with the registry); then this scenario needs writing, and says so.
enum FanoutScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let (known, reply) = try await ProbeAgent.serverKnows(
            bench, probe: #"{"op":"broadcast","message_type":"status_update","content":{}}"#)
        var result = BenchResult(scenario: "fanout")
        if known {
            result.complete = false
            result.note = "the server answers broadcast (\(reply)); the fanout scenario is not written yet"
        } else {
            result.note = "not available: broadcast arrives with the registry"
        }
        return result
    }
}
