import NIOCore

/// The shape shared by `cycle` and `fetch`: C consumer agents, then P producers sending to
/// them round-robin; the rate is messages acked per second, end to end.
enum ProducersToConsumers {
    /// - Parameters:
    ///   - name: the scenario's name in the result.
    ///   - tag: a letter in the consumers' agent ids, so scenarios never share inboxes.
    ///   - makeConsumer: builds the consumer for an agent id.
    ///   - start: starts a consumer once producers run (pull consumers); nil when none needed.
    static func run(
        _ bench: Bench,
        name: String,
        tag: String,
        makeConsumer: (String, RunState) -> BenchAgent,
        start: (@Sendable (BenchAgent) -> Void)? = nil
    ) async throws -> BenchResult {
        let options = bench.options
        let total = options.messages ?? 100_000
        let run = bench.makeRun(target: total)
        let consumerIDs = (0..<options.consumers).map { "\(bench.prefix)-\(tag)\($0)" }
        let consumers = consumerIDs.map { makeConsumer($0, run) }
        let consumerChannels = try await bench.open(consumers, consumers: true)

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
        if let start {
            for (consumer, channel) in zip(consumers, consumerChannels) {
                channel.eventLoop.execute { start(consumer) }
            }
        }
        let complete = await bench.wait(run)
        await bench.close(producerChannels + consumerChannels)
        return bench.result(name, run, complete: complete)
    }
}
