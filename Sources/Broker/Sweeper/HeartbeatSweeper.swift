import Dispatch
import Logging

/// Marks agents offline when they fall silent, on its own serial queue.
///
/// It does not poll: it sleeps exactly until the earliest moment an agent could time out
/// (beanstalkd's `prottick`), then makes one O(n) pass over the registry, which also yields the
/// next such moment. With agents heartbeating every `heartbeat_interval_ms` and a timeout of
/// three intervals, a pass runs about once per two intervals whatever the number of agents.
/// All access to `wakeAt` and `pending` is guarded by `queue`.
final class HeartbeatSweeper: @unchecked Sendable {  // @unchecked: mutable state is confined to `queue`
    private let queue = DispatchQueue(label: "agentd.sweeper")
    private let registry: AgentRegistry
    private let now: @Sendable () -> Int64
    private let logger: Logger
    private var wakeAt: Int64?
    private var pending: DispatchWorkItem?
    private var stopped = false
    private var lastPass: Int64 = .min
    /// Passes are at least this far apart. Agents time out one after another; without a floor
    /// each pass would catch one or two of them and find the next deadline already due, so n
    /// agents would cost n passes of O(n) each. With it, silence is noticed at most this late:
    /// 1/20 of the timeout, between 50 ms and 1 s.
    let minimumInterval: Int64

    init(registry: AgentRegistry, heartbeatTimeoutMilliseconds: Int, now: @escaping @Sendable () -> Int64, logger: Logger) {
        self.registry = registry
        self.now = now
        self.logger = logger
        self.minimumInterval = min(1_000, max(50, Int64(heartbeatTimeoutMilliseconds) / 20))
    }

    /// Makes sure a pass runs no later than `deadline` (epoch ms).
    func wake(at deadline: Int64) {
        self.queue.async {
            guard !self.stopped else { return }
            if let current = self.wakeAt, current <= deadline { return }
            self.schedule(deadline)
        }
    }

    /// Runs a pass now (at start: agents loaded from the store may be long silent).
    func sweepNow() {
        self.queue.async { self.run() }
    }

    func stop() {
        self.queue.sync {
            self.stopped = true
            self.pending?.cancel()
        }
    }

    private func schedule(_ requested: Int64) {
        dispatchPrecondition(condition: .onQueue(self.queue))
        let deadline = max(requested, self.lastPass &+ self.minimumInterval)
        if let current = self.wakeAt, current <= deadline, self.pending != nil { return }
        self.pending?.cancel()
        self.wakeAt = deadline
        let item = DispatchWorkItem { [weak self] in self?.run() }
        self.pending = item
        let delay = max(0, deadline - self.now())
        // +1 ms so the pass runs at or just after the deadline, never a hair before it.
        self.queue.asyncAfter(deadline: .now() + .milliseconds(Int(delay) + 1), execute: item)
    }

    private func run() {
        dispatchPrecondition(condition: .onQueue(self.queue))
        guard !self.stopped else { return }
        self.wakeAt = nil
        self.pending = nil
        let started = self.now()
        self.lastPass = started
        let clock = ContinuousClock.now
        let (offline, next) = self.registry.sweep(now: started)
        // The pass's cost, for docs/scaling.md and the bench (`debug` level: one line per pass).
        let elapsed = ContinuousClock.now - clock
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        self.logger.debug(
            "sweep pass",
            metadata: [
                "agentd.sweep.agents": "\(self.registry.count)",
                "agentd.sweep.offline": "\(offline.count)",
                "agentd.sweep.us": "\(micros)",
            ]
        )
        if !offline.isEmpty {
            self.logger.info("agents went offline", metadata: ["agentd.agents": "\(offline.prefix(20))", "agentd.count": "\(offline.count)"])
        }
        if let next {
            self.schedule(next)
        }
    }
}
