import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// This daemon's place among the daemons of one system: it holds a lease in the store, renews
/// it every third of the lease, and takes over the deliveries of daemons whose lease ran out.
///
/// Liveness needs a clock, so this one part works on a timer; message delivery never does
/// (other daemons' work arrives as wake-ups). A dead daemon's deliveries are released no later
/// than about 1⅓ leases after its last renewal, and the lease is at most half the ack timeout,
/// so they are deliverable again within `ack_timeout_ms` of their delivery.
///
/// First in the service group, so it stops last: after the drain has released this daemon's
/// deliveries, it hands back whatever is left and gives the lease up.
public final class DaemonMembership: Service, Sendable {
    private let store: any MessageStore
    private let lease: Int
    private let loop: any EventLoop
    private let logger: Logger
    private let live = NIOLockedValueBox(1)
    private let figures = NIOLockedValueBox<Callback<Void, DaemonFigures>?>(nil)

    /// A membership for `store`'s daemon with a lease of `leaseMilliseconds`.
    public init(store: any MessageStore, leaseMilliseconds: Int, loop: any EventLoop, logger: Logger) {
        self.store = store
        self.lease = leaseMilliseconds
        self.loop = loop
        self.logger = logger
    }

    /// Where this daemon's figures come from; they are shared at every renewal, so that any
    /// daemon's `stats` counts every daemon's deliveries in flight and sends per minute.
    public func connect(figures: @escaping @Sendable () -> DaemonFigures) {
        self.figures.withLockedValue { $0 = Callback { _ in figures() } }
    }

    /// The live daemons as of the last renewal.
    public var liveDaemons: Int {
        self.live.withLockedValue { $0 }
    }

    /// Takes the lease. If another instance holds this daemon id, waits up to one lease for it
    /// to run out (a predecessor killed a moment ago); a holder that keeps renewing is a live
    /// twin, and starting is refused.
    /// - Throws: `DaemonIDTaken` when the id stays held; store errors as they come.
    public func join() async throws {
        let deadline = ContinuousClock.now + .milliseconds(self.lease + 200)
        while true {
            if try await self.store.join(leaseMilliseconds: self.lease, on: self.loop).get() {
                let live = try await self.store.liveDaemons(on: self.loop).get().count
                self.live.withLockedValue { $0 = live }
                self.logger.info(
                    "joined the system",
                    metadata: ["agentd.daemon_id": "\(self.store.daemonID)", "agentd.daemons": "\(live)"]
                )
                return
            }
            guard ContinuousClock.now < deadline else { throw DaemonIDTaken(daemonID: self.store.daemonID) }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Renews the lease and takes over dead daemons until the graceful shutdown; then leaves.
    public func run() async throws {
        let interval = Duration.milliseconds(max(100, self.lease / 3))
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            await self.tick()
        }
        await self.leave()
    }

    /// One renewal and one look for dead daemons.
    func tick() async {
        do {
            let (status, live) = try await self.store.renew(leaseMilliseconds: self.lease, on: self.loop).get()
            self.live.withLockedValue { $0 = live }
            switch status {
            case .renewed:
                break
            case .lapsed:
                self.logger.warning(
                    "this daemon's lease had run out (it was paused or cut off from Redis); others may have delivered its messages again"
                )
            case .lost:
                self.logger.error("another daemon took this daemon_id; deliveries may be duplicated", metadata: ["agentd.daemon_id": "\(self.store.daemonID)"])
            }
            if let figures = self.figures.withLockedValue({ $0 }) {
                try await self.store.report(figures.call(()), on: self.loop).get()
            }
            let dead = try await self.store.claimDeadDaemons(reserveMilliseconds: self.lease * 2, on: self.loop).get()
            for daemon in dead where daemon != self.store.daemonID {
                let moved = try await self.store.takeOver(daemon: daemon, on: self.loop).get()
                try await self.store.finishTakeOver(of: daemon, on: self.loop).get()
                self.logger.info(
                    "took over a dead daemon",
                    metadata: ["agentd.dead_daemon": "\(daemon)", "agentd.released": "\(moved)"]
                )
            }
        } catch {
            self.logger.warning("daemon lease renewal failed", metadata: ["agentd.error": "\(error)"])
        }
    }

    /// Graceful goodbye: hand back anything still delivered, then give the lease up so the
    /// others count one daemon less at once.
    func leave() async {
        do {
            try await self.store.leave(on: self.loop).get()
            _ = try await self.store.takeOver(daemon: self.store.daemonID, on: self.loop).get()
            try await self.store.finishTakeOver(of: self.store.daemonID, on: self.loop).get()
        } catch {
            self.logger.warning("could not leave the system cleanly; others take over after the lease", metadata: ["agentd.error": "\(error)"])
        }
    }
}

/// Another live daemon holds this daemon's id.
public struct DaemonIDTaken: Error, CustomStringConvertible {
    /// The id in use.
    public let daemonID: String
    /// One line for the log.
    public var description: String {
        "daemon_id \(self.daemonID) is already in use by a live daemon on this Redis and key_prefix (set AGENTD_DAEMON_ID to another id)"
    }
}
