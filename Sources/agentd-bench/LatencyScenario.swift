import Histogram

/// `latency`: one producer at a fixed rate (default 1000/s) to one subscribed consumer;
/// percentiles of send→push delivery (the row), and of send→`ok` reply (`send_p50_us`,
/// `send_p99_us`). The first 1 % (at most 100) deliveries are a warm-up and not recorded.
enum LatencyScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let options = bench.options
        let total = options.messages ?? options.rate * 10
        let run = bench.makeRun(target: total)
        let consumerID = "\(bench.prefix)-lc"
        let consumer = PushConsumer(
            agentID: consumerID, run: run, prefetch: options.prefetch, recordLatency: true,
            warmup: min(100, total / 100), loop: bench.loop)
        let consumerChannels = try await bench.open([consumer], consumers: true)
        let producer = RateProducer(
            agentID: "\(bench.prefix)-lp", run: run, to: consumerID, size: options.size, rate: options.rate,
            total: total, loop: bench.loop)
        let producerChannels = try await bench.open([producer])
        run.start()
        for channel in producerChannels {
            let loop = channel.eventLoop
            loop.execute { producer.begin(on: loop) }
        }
        let complete = await bench.wait(run)
        var delivery = Histogram<UInt64>(highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)
        var reply = delivery
        if let channel = consumerChannels.first {
            delivery = try await channel.eventLoop.submit { consumer.histogram }.get()
        }
        if let channel = producerChannels.first {
            reply = try await channel.eventLoop.submit { producer.histogram }.get()
        }
        await bench.close(producerChannels + consumerChannels)

        var result = bench.result("latency", run, complete: complete)
        result.latency = BenchResult.percentiles(delivery)
        let send = BenchResult.percentiles(reply)
        result.extra = [("send_p50_us", send[0]), ("send_p99_us", send[2])]
        return result
    }
}
