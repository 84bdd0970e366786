/// `fetch`: like `cycle`, but the consumers pull with `fetch {limit: 100, wait_ms: 1000}`
/// and ack each fetched batch in one `ack`, pipelined with the next fetch.
enum FetchScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let options = bench.options
        let total = options.messages ?? 100_000
        let run = bench.makeRun(target: total)
        let consumerIDs = (0..<options.consumers).map { "\(bench.prefix)-f\($0)" }
        let consumers = consumerIDs.map {
            PullConsumer(agentID: $0, run: run, limit: 100, waitMS: 1000, loop: bench.loop)
        }
        let consumerChannels = try await bench.open(consumers)

        let frames = consumerIDs.map { Wire.send(to: $0, size: options.size) }
        let producers = (0..<options.producers).map { index in
            Producer(
                agentID: "\(bench.prefix)-p\(index)", run: run, frames: frames, firstFrame: index,
                quota: Bench.share(total, options.producers, index), depth: options.pipeline,
                countsReplies: false, loop: bench.loop)
        }
        let producerChannels = try await bench.open(producers)
        run.start()
        for (consumer, channel) in zip(consumers, consumerChannels) {
            channel.eventLoop.execute { consumer.begin() }
        }
        for (producer, channel) in zip(producers, producerChannels) {
            channel.eventLoop.execute { producer.begin() }
        }
        let complete = await bench.wait(run)
        await bench.close(producerChannels + consumerChannels)
        return bench.result("fetch", run, complete: complete)
    }
}
