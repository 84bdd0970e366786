import AgentdConfig
import Broker
import NIOCore

/// The mapping from the configuration file to the broker's settings lives here, in the
/// daemon: the broker knows nothing of the file.
extension BrokerConfiguration {
    /// The broker's settings from the daemon's configuration.
    init(_ config: AgentdConfiguration) {
        self.init()
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
