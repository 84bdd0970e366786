import NIOCore

/// The settings the broker core uses (`agentd` fills them in from its configuration).
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

    /// The contract's defaults (the daemon sets each from its configuration file).
    public init() {
        self.maxFrameBytes = 1_048_576
        self.maxConnections = 16_384
        self.maxInFlightPerConnection = 128
        self.maxOutboundBytes = 64 * 1_048_576
        self.helloTimeout = .seconds(10)
        self.idleTimeout = nil
        self.delivery = DeliveryEngine.Configuration()
        self.dedupWindowMilliseconds = 600_000
        self.maxFetchLimit = 1_000
        self.maxWaitMilliseconds = 30_000
        self.maxPrefetch = 10_000
        self.drainTimeout = .seconds(10)
        self.storeTimeout = .seconds(2)
        self.heartbeatTimeoutMilliseconds = 90_000
        self.taskTimeoutMilliseconds = 300_000
        self.taskMaxRetries = 3
        self.taskRetentionMilliseconds = 86_400_000
        self.daemonLeaseMilliseconds = 5_000
    }
}
