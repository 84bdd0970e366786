/// `fetch`: like `cycle`, but the consumers pull with `fetch {limit: 100, wait_ms: 1000}`
/// and ack each fetched batch in one `ack`, pipelined with the next fetch.
enum FetchScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        try await ProducersToConsumers.run(
            bench,
            name: "fetch",
            tag: "f",
            makeConsumer: { id, run in PullConsumer(agentID: id, run: run, limit: 100, waitMS: 1000, loop: bench.loop) },
            start: { consumer in (consumer as? PullConsumer)?.begin() }
        )
    }
}
