import Foundation
import NIOCore
import Synchronization

/// What every scenario shares: the connectors, the options, a per-process agent id prefix
/// (so runs never read each other's inboxes) and the watchdog that bounds the run.
final class Bench: Sendable {
    let connector: Connector
    /// Where consumers connect: `--consumer-server` (another daemon), else `connector`.
    let consumerConnector: Connector
    let options: BenchSettings
    let prefix: String
    private let current = Mutex<RunState?>(nil)
    private let samples = Mutex<[String]>([])

    init(connector: Connector, consumerConnector: Connector, options: BenchSettings, prefix: String) {
        self.connector = connector
        self.consumerConnector = consumerConnector
        self.options = options
        self.prefix = prefix
    }

    var loop: any EventLoop { connector.group.next() }

    func makeRun(target: Int) -> RunState {
        let run = RunState(target: target, loop: loop)
        current.withLock { $0 = run }
        return run
    }

    var errorSamples: [String] { current.withLock { $0?.errorSamples ?? [] } }

    /// After `seconds`, a measuring run ends with what it has; a run still setting up
    /// (connecting, hello) cannot report anything and the process exits 3.
    func armWatchdog(seconds: Int) {
        loop.scheduleTask(in: .seconds(Int64(seconds))) { [self] in
            if let run = current.withLock({ $0 }), run.isStarted {
                run.finish(error: BenchError.timedOut)
            } else {
                FileHandle.standardError.write(Data("agentd-bench: timed out after \(seconds) s during setup\n".utf8))
                exit(3)
            }
        }
    }

    /// Connects every agent (a few hundred at a time) and waits for its hello/subscribe;
    /// `consumers` connect through `consumerConnector`.
    func open(_ agents: [BenchAgent], consumers: Bool = false) async throws -> [any Channel] {
        let connector = consumers ? consumerConnector : self.connector
        var channels: [any Channel] = []
        channels.reserveCapacity(agents.count)
        var index = 0
        while index < agents.count {
            let chunk = agents[index..<min(agents.count, index + 256)]
            index += chunk.count
            try await withThrowingTaskGroup(of: (any Channel).self) { group in
                for agent in chunk {
                    group.addTask { [connector] in
                        let channel = try await connector.connect(agent)
                        try await agent.ready.futureResult.get()
                        return channel
                    }
                }
                for try await channel in group { channels.append(channel) }
            }
        }
        return channels
    }

    /// Closes the run's connections; the run counts as over first, so the closes are not errors.
    func close(_ channels: [any Channel]) async {
        current.withLock { $0 }?.finish(error: nil)
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? await channel.closeFuture.get() }
    }

    /// Waits for the run's target (or the watchdog); true when the target was reached.
    func wait(_ run: RunState) async -> Bool {
        do {
            try await run.done.futureResult.get()
            return true
        } catch {
            return false
        }
    }

    /// The standard result of a run counted in messages.
    func result(_ name: String, _ run: RunState, complete: Bool) -> BenchResult {
        let seconds = run.seconds
        return BenchResult(
            scenario: name, messages: run.count, seconds: seconds,
            rate: seconds > 0 ? Double(run.count) / seconds : 0, complete: complete, errors: run.errors)
    }

    /// `total` split into `parts` shares that differ by at most one.
    static func share(_ total: Int, _ parts: Int, _ index: Int) -> Int {
        total / parts + (index < total % parts ? 1 : 0)
    }
}
