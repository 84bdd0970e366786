import NIOCore

/// `agents`: registers N agents (`--agents`, default 10 000), `--concurrency` connections at
/// a time (default 200): connect, `hello` as `sweep-<i>`, `register` as a worker with
/// capability `x`, close. Rate = registrations/s. The agents stay in agentd's registry after
/// their connection closes (they go offline after the heartbeat timeout), so the heartbeat
/// sweeper then works over all N of them: scripts/bench.sh reads the cost of its passes
/// from agentd's debug log. With `--pid`, also agentd's RSS before and after.
///
/// The ids carry no per-process prefix on purpose: running it twice against one agentd
/// re-registers the same N agents instead of growing the registry.
enum AgentsScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let options = bench.options
        let count = options.agents ?? 10_000
        let window = max(1, min(options.concurrency, count))
        let run = bench.makeRun(target: count)
        let before = options.pid.flatMap(ConnectionsScenario.residentKiB)
        let registration = Wire.register(role: "worker", capability: "x")

        run.start()
        await withTaskGroup(of: Bool.self) { group in
            var next = 0
            while next < window {
                let index = next
                group.addTask { await registerOne(index, bench: bench, run: run, registration: registration) }
                next += 1
            }
            while let registered = await group.next() {
                if registered { run.add(1) }
                if next < count, !run.isFinished {
                    let index = next
                    group.addTask { await registerOne(index, bench: bench, run: run, registration: registration) }
                    next += 1
                }
            }
        }
        // Some registrations failed (errors counted) and the target was never reached.
        run.finish(error: nil)
        let seconds = run.seconds
        let registered = run.count
        let after = options.pid.flatMap(ConnectionsScenario.residentKiB)

        var result = BenchResult(
            scenario: "agents", messages: registered, seconds: seconds,
            rate: seconds > 0 ? Double(registered) / seconds : 0, complete: registered == count, errors: run.errors)
        result.extra = [("agents", Double(count)), ("concurrency", Double(window))]
        if let before, let after {
            result.extra += [
                ("rss_before_mib", Double(before) / 1024),
                ("rss_mib", Double(after) / 1024),
                ("per_agent_kib", Double(after - before) / Double(max(1, registered))),
            ]
        }
        return result
    }

    /// One agent: connect, hello, register, close. False (and an error counted) if any step fails.
    private static func registerOne(_ index: Int, bench: Bench, run: RunState, registration: ByteBuffer) async -> Bool {
        guard !run.isFinished else { return false }
        let agent = BenchAgent(agentID: "sweep-\(index)", run: run, subscribePrefetch: nil, loop: bench.loop)
        agent.registration = registration
        let channel: any Channel
        do {
            channel = try await bench.connector.connect(agent)
        } catch {
            run.recordError("sweep-\(index): connect: \(error)")
            return false
        }
        // Bounds the wait for hello + register: closing fails `ready`.
        let deadline = channel.eventLoop.scheduleTask(in: .seconds(30)) {
            run.recordError("sweep-\(index): no answer to hello/register in 30 s")
            agent.closingByClient = true
            channel.close(promise: nil)
        }
        var registered = true
        do {
            try await agent.ready.futureResult.get()
        } catch {
            registered = false  // counted already: BenchAgent saw the refusal or the close
        }
        deadline.cancel()
        let closed = channel.eventLoop.flatSubmit {
            agent.closingByClient = true
            return channel.close()
        }
        try? await closed.get()
        return registered
    }
}
