import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The clock-driven work of the registry and the coordinator, on every daemon: writing the
/// agents' signs of life (batched), marking silent agents offline, ending attempts past their
/// deadline, and resending coordination messages whose sender died before confirming them.
///
/// Each daemon runs it; the store's conditional commits make each timeout take effect once
/// whichever daemon gets there first. It sleeps until the earliest thing due (`TimerSchedule`),
/// never longer than `TimerSchedule.maximumSleep`, so deadlines set by other daemons are seen
/// soon enough.
public final class CoordinationTimers: Service, Sendable {
    private let registry: AgentRegistry
    private let coordinator: Coordinator
    private let logger: Logger
    private let heartbeatTimeout: Int64
    private let schedule: NIOLockedValueBox<TimerSchedule>

    init(registry: AgentRegistry, coordinator: Coordinator, heartbeatTimeoutMilliseconds: Int, logger: Logger) {
        self.registry = registry
        self.coordinator = coordinator
        self.logger = logger
        self.heartbeatTimeout = Int64(heartbeatTimeoutMilliseconds)
        self.schedule = NIOLockedValueBox(
            TimerSchedule(heartbeatTimeoutMilliseconds: Int64(heartbeatTimeoutMilliseconds), now: Self.monotonicNow())
        )
    }

    /// This daemon committed a deadline (store clock): look at deadlines no later than then.
    func deadlineAdded(_ deadline: Int64) {
        self.schedule.withLockedValue { $0.deadlineAdded(storeTime: deadline, now: Self.monotonicNow()) }
    }

    /// Runs until the graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let wait = self.schedule.withLockedValue { $0.sleep(now: Self.monotonicNow()) }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(wait)) }
            } catch {
                break
            }
            await self.tick()
        }
        // Signs of life seen during the drain.
        try? await self.registry.touch(self.registry.presence.drainSeen()).get()
    }

    /// Does whatever is due now.
    func tick() async {
        let due = self.schedule.withLockedValue { $0.due(now: Self.monotonicNow()) }
        if due.flush {
            do {
                try await self.registry.touch(self.registry.presence.drainSeen()).get()
            } catch {
                self.logger.warning("writing signs of life failed", metadata: ["agentd.error": "\(error)"])
            }
        }
        if due.sweep {
            do {
                let started = ContinuousClock.now
                let result = try await self.registry.sweep(timeout: self.heartbeatTimeout).get()
                // For scripts/bench.sh (sweep_log.py): a pass reads only the silent agents, so
                // its cost is per agent that expires.
                let micros = (ContinuousClock.now - started) / .microseconds(1)
                self.logger.debug(
                    "sweep pass",
                    metadata: ["agentd.sweep.offline": "\(result.offline.count)", "agentd.sweep.us": "\(Int(micros))"]
                )
                if !result.offline.isEmpty {
                    self.logger.info(
                        "agents went offline",
                        metadata: ["agentd.agents": "\(result.offline.prefix(20))", "agentd.count": "\(result.offline.count)"]
                    )
                }
                self.schedule.withLockedValue {
                    $0.swept(next: result.next, storeNow: result.now, now: Self.monotonicNow(), backlog: result.backlog)
                }
            } catch {
                self.logger.warning("heartbeat sweep failed", metadata: ["agentd.error": "\(error)"])
                self.schedule.withLockedValue { $0.swept(next: nil, storeNow: 0, now: Self.monotonicNow()) }
            }
        }
        if due.deadlines {
            do {
                let result = try await self.coordinator.deadlinesDue().get()
                self.schedule.withLockedValue { $0.deadlinesChecked(next: result.next, storeNow: result.now, now: Self.monotonicNow()) }
            } catch {
                self.logger.warning("task deadline check failed", metadata: ["agentd.error": "\(error)"])
            }
        }
        if due.outbox {
            try? await self.coordinator.retryOutbox(olderThan: TimerSchedule.outboxGrace).get()
        }
    }

    static func monotonicNow() -> Int64 {
        Int64(NIODeadline.now().uptimeNanoseconds / 1_000_000)
    }
}

/// When each of `CoordinationTimers`' jobs is next due, in local monotonic milliseconds: a
/// value, so its timing is tested without sleeping.
struct TimerSchedule: Sendable {
    /// The longest sleep: deadlines committed by other daemons are noticed at most this late.
    static let maximumSleep: Int64 = 250
    /// An outbox message unconfirmed this long (ms) is sent again (its sender likely died).
    static let outboxGrace: Int64 = 5_000

    /// Signs of life are written this often: a tenth of the heartbeat timeout, 50 ms to 1 s.
    let flushInterval: Int64
    /// Sweeps are at least this far apart (agents timing out one after another are swept in
    /// batches): a twentieth of the heartbeat timeout, 50 ms to 1 s.
    let minimumSweepInterval: Int64
    private let heartbeatTimeout: Int64
    private(set) var nextFlush: Int64
    private(set) var nextSweep: Int64
    private(set) var nextDeadlines: Int64
    private(set) var nextOutbox: Int64
    private var lastSweep: Int64 = .min / 2
    /// Store clock minus local clock, as of the last answer that carried the store's now.
    private var offset: Int64?

    init(heartbeatTimeoutMilliseconds: Int64, now: Int64) {
        self.heartbeatTimeout = heartbeatTimeoutMilliseconds
        self.flushInterval = min(1_000, max(50, heartbeatTimeoutMilliseconds / 10))
        self.minimumSweepInterval = min(1_000, max(50, heartbeatTimeoutMilliseconds / 20))
        self.nextFlush = now + self.flushInterval
        self.nextSweep = now
        self.nextDeadlines = now
        self.nextOutbox = now + Self.outboxGrace
    }

    /// How long to sleep from `now`.
    func sleep(now: Int64) -> Int64 {
        let next = min(self.nextFlush, self.nextSweep, self.nextDeadlines, self.nextOutbox)
        return max(1, min(Self.maximumSleep, next - now))
    }

    /// What is due at `now`; due jobs are rescheduled provisionally (their results set the
    /// real next time).
    mutating func due(now: Int64) -> (flush: Bool, sweep: Bool, deadlines: Bool, outbox: Bool) {
        let flush = self.nextFlush <= now
        let sweep = self.nextSweep <= now
        let deadlines = self.nextDeadlines <= now
        let outbox = self.nextOutbox <= now
        if flush { self.nextFlush = now + self.flushInterval }
        if sweep {
            self.lastSweep = now
            self.nextSweep = now + self.heartbeatTimeout
        }
        // Deadlines set elsewhere are looked for at least every `maximumSleep`.
        if deadlines { self.nextDeadlines = now + Self.maximumSleep }
        if outbox { self.nextOutbox = now + Self.outboxGrace }
        return (flush, sweep, deadlines, outbox)
    }

    /// A sweep answered: the next agent could time out at `next` (store clock). With a
    /// `backlog` (the pass read as many silent agents as one read returns), the next pass is
    /// due at once: the minimum interval batches agents timing out one after another, not a
    /// fleet that went silent together (a pass is one store step for all its marks).
    mutating func swept(next: Int64?, storeNow: Int64, now: Int64, backlog: Bool = false) {
        if storeNow > 0 { self.offset = storeNow - now }
        if backlog {
            self.nextSweep = now
            return
        }
        let local = next.map { $0 - (self.offset ?? 0) } ?? now + self.heartbeatTimeout
        self.nextSweep = max(self.lastSweep + self.minimumSweepInterval, min(local, now + self.heartbeatTimeout))
    }

    /// Deadlines were checked: the next one is at `next` (store clock).
    mutating func deadlinesChecked(next: Int64?, storeNow: Int64, now: Int64) {
        if storeNow > 0 { self.offset = storeNow - now }
        if let next {
            self.nextDeadlines = min(self.nextDeadlines, max(now + 1, next - (self.offset ?? 0)))
        }
    }

    /// This daemon committed a deadline at `storeTime`.
    mutating func deadlineAdded(storeTime: Int64, now: Int64) {
        let local = storeTime - (self.offset ?? 0)
        self.nextDeadlines = min(self.nextDeadlines, max(now + 1, local))
    }
}
