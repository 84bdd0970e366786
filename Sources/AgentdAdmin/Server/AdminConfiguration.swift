import NIOCore

/// Settings of the admin HTTP port.
public struct AdminConfiguration: Sendable {
    /// Where to listen. Default `127.0.0.1`: the port shows every agent and task, so it stays on
    /// loopback unless an operator names another address (`--admin 0.0.0.0:9090`).
    public var host: String
    /// The TCP port; 0 picks a free one (the ready line names it). Default 9090.
    public var port: Int
    /// Most admin connections open at once; more are closed at once. Default 64: probes,
    /// one scraper and a few dashboards need a handful, and the bound keeps a misbehaving
    /// client from holding many sockets.
    public var maxConnections: Int
    /// A keep-alive connection idle this long is closed. Default 60 s (longer than the usual
    /// 15–30 s scrape interval, so a scraper keeps its connection).
    public var idleTimeout: TimeAmount

    /// The defaults above, with `host` and `port` as given.
    public init(host: String = "127.0.0.1", port: Int = 9090, maxConnections: Int = 64, idleTimeout: TimeAmount = .seconds(60)) {
        self.host = host
        self.port = port
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
    }
}
