/// `cycle`: P producers send round-robin to C subscribed consumer agents, which ack each
/// read burst in one `ack`. Rate = messages acked per second, end to end.
enum CycleScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let prefetch = bench.options.prefetch
        return try await ProducersToConsumers.run(bench, name: "cycle", tag: "c") { id, run in
            PushConsumer(agentID: id, run: run, prefetch: prefetch, loop: bench.loop)
        }
    }
}
