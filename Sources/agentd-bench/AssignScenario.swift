/// `assign`: a supervisor pipelines `assign_task`s to C registered workers holding this
/// run's capability; each worker answers with a `task_response` (`completed`), which the
/// supervisor receives and acks. Rate = completed round trips/s. When the server does not
/// know `assign_task` it says "not available" and exits 0.
enum AssignScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let (known, _) = try await ProbeAgent.serverKnows(
            bench, probe: #"{"op":"assign_task","task_type":"bench","required_capabilities":[]}"#)
        guard known else {
            return BenchResult(scenario: "assign", note: "not available: assign_task arrives with the coordinator")
        }
        let options = bench.options
        let tasks = options.messages ?? 20_000
        let run = bench.makeRun(target: tasks)
        let capability = "\(bench.prefix)-task"
        let supervisorID = "\(bench.prefix)-sup"
        let workers = (0..<options.consumers).map { index in
            TaskWorker(
                agentID: "\(bench.prefix)-w\(index)", run: run, supervisor: supervisorID, capability: capability,
                prefetch: options.prefetch, loop: bench.loop)
        }
        let workerChannels = try await bench.open(workers)
        let supervisor = TaskSupervisor(
            agentID: supervisorID, run: run, capability: capability, tasks: tasks, depth: options.pipeline,
            prefetch: options.prefetch, loop: bench.loop)
        let supervisorChannels = try await bench.open([supervisor])
        run.start()
        for channel in supervisorChannels { channel.eventLoop.execute { supervisor.begin() } }
        let complete = await bench.wait(run)
        await bench.close(supervisorChannels + workerChannels)
        return bench.result("assign", run, complete: complete)
    }
}
