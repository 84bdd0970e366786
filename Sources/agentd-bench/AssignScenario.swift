/// `assign`: assign_task → worker → task_response round trips. A placeholder until agentd
/// answers `assign_task` (it arrives with the coordinator); then it needs writing.
enum AssignScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let (known, reply) = try await ProbeAgent.serverKnows(
            bench, probe: #"{"op":"assign_task","task_type":"bench","required_capabilities":[]}"#)
        var result = BenchResult(scenario: "assign")
        if known {
            result.complete = false
            result.note = "the server answers assign_task (\(reply)); the assign scenario is not written yet"
        } else {
            result.note = "not available: assign_task arrives with the coordinator"
        }
        return result
    }
}
