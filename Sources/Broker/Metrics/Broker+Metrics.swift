import AgentCore
import NIOCore

extension Broker {
    /// Sets the gauges that mirror state the broker keeps anyway (connections, in-flight
    /// messages, the store's pending and dead counts, agents by status, tasks by state).
    ///
    /// Called when metrics are scraped, so nothing on the hot path keeps them current. Each
    /// part is independent: with the store down the registry and task gauges still refresh,
    /// and the store's gauges keep their last value. The future never fails.
    public func refreshMetrics(on loop: any EventLoop) -> EventLoopFuture<Void> {
        let metrics = self.metrics
        metrics.connectionsOpen.record(self.connectionCount)
        metrics.inFlight.record(self.engine.inFlightCount)
        let counters = self.store.counters(on: loop).map { counters in
            metrics.pending.record(max(0, counters.pending))
            metrics.deadLetters.record(max(0, counters.dead))
        }
        let registry = self.registry.stats().hop(to: loop).map { stats in
            for (status, gauge) in metrics.agents {
                gauge.record(stats.byStatus[status] ?? 0)
            }
        }
        let tasks = self.coordinator.stats().hop(to: loop).map { stats in
            for (state, gauge) in metrics.tasks {
                gauge.record(stats.byState[state] ?? 0)
            }
        }
        let daemons = self.store.liveDaemons(on: loop).map { metrics.daemons.record($0.count) }
        return EventLoopFuture.whenAllComplete([counters, registry, tasks, daemons], on: loop).map { _ in }
    }
}
