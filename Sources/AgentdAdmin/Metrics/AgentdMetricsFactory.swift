import Broker
import CoreMetrics
import Prometheus

/// The Prometheus factory agentd bootstraps swift-metrics with.
public enum AgentdMetricsFactory {
    /// Histogram buckets for times that are usually well under a millisecond on one host
    /// (a Redis round trip, a send confirmed by Redis) but must still show a stall of seconds:
    /// swift-prometheus' default buckets start at 5 ms, where every loopback request would
    /// fall into the first one.
    public static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2_500),
    ]

    /// A factory that registers into `registry`, with the latency buckets above for the
    /// send-latency and Redis round-trip histograms.
    public static func make(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[BrokerMetrics.sendLatencyLabel] = Self.latencyBuckets
        factory.durationHistogramBuckets[BrokerMetrics.redisRoundTripLabel] = Self.latencyBuckets
        return factory
    }
}
