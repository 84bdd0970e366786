/// `cycle`: P producers send round-robin to C subscribed consumer agents, which ack each
/// read burst in one `ack`. Rate = messages acked per second, end to end.
enum CycleScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let options = bench.options
        let total = options.messages ?? 100_000
        let run = bench.makeRun(target: total)
        let consumerIDs = (0..<options.consumers).map { "\(bench.prefix)-c\($0)" }
        let consumers = consumerIDs.map {
            PushConsumer(agentID: $0, run: run, prefetch: options.prefetch, loop: bench.loop)
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
        for (producer, channel) in zip(producers, producerChannels) {
            channel.eventLoop.execute { producer.begin() }
        }
        let complete = await bench.wait(run)
        await bench.close(producerChannels + consumerChannels)
        return bench.result("cycle", run, complete: complete)
    }
}
