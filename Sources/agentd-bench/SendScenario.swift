/// `send`: P producers, each its own agent, pipeline sends to one sink agent that never
/// reads. Rate = sends acknowledged (stored in Redis) per second.
enum SendScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let options = bench.options
        let total = options.messages ?? 200_000
        let run = bench.makeRun(target: total)
        let frame = Wire.send(to: "\(bench.prefix)-sink", size: options.size)
        let producers = (0..<options.producers).map { index in
            Producer(
                agentID: "\(bench.prefix)-p\(index)", run: run, frames: [frame], firstFrame: 0,
                quota: Bench.share(total, options.producers, index), depth: options.pipeline,
                countsReplies: true, loop: bench.loop)
        }
        let channels = try await bench.open(producers)
        run.start()
        for (producer, channel) in zip(producers, channels) {
            channel.eventLoop.execute { producer.begin() }
        }
        let complete = await bench.wait(run)
        await bench.close(channels)
        return bench.result("send", run, complete: complete)
    }
}
