import AgentdConfig
import NIOCore

/// The settings the broker core uses, taken from `AgentdConfiguration`.
public struct BrokerConfiguration: Sendable {
    /// Longest frame, in bytes (`max_frame_bytes`).
    public var maxFrameBytes: Int
    /// Most open connections (`max_connections`).
    public var maxConnections: Int
    /// Requests of one connection being served at once (`max_in_flight_per_connection`).
    public var maxInFlightPerConnection: Int
    /// Unwritten bytes that make a connection a slow consumer (`max_outbound_bytes`).
    public var maxOutboundBytes: Int
    /// Time to say `hello` after connecting (`hello_timeout_ms`).
    public var helloTimeout: TimeAmount
    /// Silence after which a connection is closed (`idle_timeout_ms`); nil = never.
    public var idleTimeout: TimeAmount?
    /// Delivery settings.
    public var delivery: DeliveryEngine.Configuration
    /// `dedup_window_ms`.
    public var dedupWindowMilliseconds: Int
    /// Bounds of fetch and subscribe.
    public var maxFetchLimit: Int
    /// Longest `wait_ms` of a fetch.
    public var maxWaitMilliseconds: Int
    /// Largest `prefetch`.
    public var maxPrefetch: Int
    /// How long a graceful stop waits for connections to finish.
    public var drainTimeout: TimeAmount
    /// How long `health` waits for the store.
    public var storeTimeout: TimeAmount
    /// Silence after which an agent is offline (`heartbeat_timeout_ms`).
    public var heartbeatTimeoutMilliseconds: Int
    /// Default deadline of a task attempt (`task_timeout_ms`).
    public var taskTimeoutMilliseconds: Int
    /// Default retries of a task (`task_max_retries`).
    public var taskMaxRetries: Int
    /// How long finished tasks stay (`task_retention_ms`).
    public var taskRetentionMilliseconds: Int
    /// The daemon lease in effect (`daemon_lease_ms`, at most half the ack timeout).
    public var daemonLeaseMilliseconds: Int

    /// Takes the broker's settings from the daemon's configuration.
    public init(_ config: AgentdConfiguration) {
        self.maxFrameBytes = config.maxFrameBytes
        self.maxConnections = config.maxConnections
        self.maxInFlightPerConnection = config.maxInFlightPerConnection
        self.maxOutboundBytes = config.maxOutboundBytes
        self.helloTimeout = .milliseconds(Int64(config.helloTimeoutMilliseconds))
        self.idleTimeout = config.idleTimeoutMilliseconds > 0 ? .milliseconds(Int64(config.idleTimeoutMilliseconds)) : nil
        var delivery = DeliveryEngine.Configuration()
        delivery.ackTimeout = .milliseconds(Int64(config.ackTimeoutMilliseconds))
        delivery.maxDeliveries = config.maxDeliveries
        delivery.storeTimeout = .milliseconds(Int64(config.storeTimeoutMilliseconds))
        self.delivery = delivery
        self.dedupWindowMilliseconds = config.dedupWindowMilliseconds
        self.maxFetchLimit = config.maxFetchLimit
        self.maxWaitMilliseconds = config.maxWaitMilliseconds
        self.maxPrefetch = config.maxPrefetch
        self.drainTimeout = .milliseconds(Int64(config.drainTimeoutMilliseconds))
        self.storeTimeout = .milliseconds(Int64(config.storeTimeoutMilliseconds))
        self.heartbeatTimeoutMilliseconds = config.heartbeatTimeoutMilliseconds
        self.taskTimeoutMilliseconds = config.taskTimeoutMilliseconds
        self.taskMaxRetries = config.taskMaxRetries
        self.taskRetentionMilliseconds = config.taskRetentionMilliseconds
        self.daemonLeaseMilliseconds = config.effectiveDaemonLeaseMilliseconds
    }
}
