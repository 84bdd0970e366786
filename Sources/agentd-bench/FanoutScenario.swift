/// `fanout`: one supervisor broadcasts to A registered, subscribed workers (`--agents`,
/// default 10) holding this run's capability; each acks its copies. Rate = copies acked/s
/// (`broadcasts_per_s` = rate / A). When the server does not know `broadcast` it says
/// "not available" and exits 0.
enum FanoutScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let (known, _) = try await ProbeAgent.serverKnows(
            bench, probe: #"{"op":"broadcast","message_type":"status_update","content":{}}"#)
        guard known else {
            return BenchResult(scenario: "fanout", note: "not available: broadcast arrives with the registry")
        }
        let options = bench.options
        let receiverCount = max(1, options.agents ?? 10)
        let broadcasts = max(1, (options.messages ?? 100_000) / receiverCount)
        let run = bench.makeRun(target: broadcasts * receiverCount)
        let capability = "\(bench.prefix)-fan"
        let receivers = (0..<receiverCount).map { index in
            let receiver = PushConsumer(
                agentID: "\(bench.prefix)-r\(index)", run: run, prefetch: options.prefetch, loop: bench.loop)
            receiver.registration = Wire.register(role: "worker", capability: capability)
            return receiver
        }
        let receiverChannels = try await bench.open(receivers)

        let sender = Producer(
            agentID: "\(bench.prefix)-sup", run: run, frames: [Wire.broadcast(capability: capability, size: options.size)],
            firstFrame: 0, quota: broadcasts, depth: options.pipeline, countsReplies: false, loop: bench.loop)
        sender.registration = Wire.register(role: "supervisor", capability: "\(bench.prefix)-sup")
        let senderChannels = try await bench.open([sender])
        run.start()
        for channel in senderChannels { channel.eventLoop.execute { sender.begin() } }
        let complete = await bench.wait(run)
        await bench.close(senderChannels + receiverChannels)

        var result = bench.result("fanout", run, complete: complete)
        result.extra = [("agents", Double(receiverCount)), ("broadcasts_per_s", result.rate / Double(receiverCount))]
        return result
    }
}
