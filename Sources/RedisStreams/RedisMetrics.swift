import CoreMetrics

/// The Redis client's metrics, made once per client so the per-request cost is one record.
///
/// Without `MetricsSystem.bootstrap` (unit tests, embedders) the factory is swift-metrics'
/// no-op one and recording costs a call that does nothing.
public struct RedisMetrics: Sendable {
    /// The name of the round-trip histogram (`docs/operations.md` lists it).
    public static let roundTripLabel = "agentd_redis_round_trip_seconds"

    /// Time from writing a request (one or more pipelined commands) to its last reply.
    let roundTrip: CoreMetrics.Timer

    /// Metrics made by `factory`; the default is the one `MetricsSystem` was bootstrapped with.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.roundTrip = CoreMetrics.Timer(label: Self.roundTripLabel, dimensions: [], factory: factory)
    }
}
