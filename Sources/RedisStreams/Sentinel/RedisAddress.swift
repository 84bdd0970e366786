/// A Redis (or Sentinel) server's TCP address.
public struct RedisAddress: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int

    /// The address `host:port`.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, IPv6 hosts in brackets.
    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}

/// Where to find the master through Redis Sentinel.
public struct RedisSentinelConfiguration: Sendable, Equatable {
    /// The sentinels, asked in this order.
    public var sentinels: [RedisAddress]
    /// The master's name in the sentinels' configuration (`sentinel monitor NAME ...`).
    public var masterName: String

    /// Sentinels to ask for the master called `masterName`.
    public init(sentinels: [RedisAddress], masterName: String) {
        self.sentinels = sentinels
        self.masterName = masterName
    }
}
