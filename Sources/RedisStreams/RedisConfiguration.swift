/// How ``RedisClient`` connects to Redis.
public struct RedisConfiguration: Sendable {
    /// Server host name or IP address.
    public var host: String
    /// Server TCP port.
    public var port: Int
    /// The connect timeout, and the longest a request waits for its reply before the
    /// connection is declared dead.
    public var timeout: Duration
    /// Password for AUTH; nil means no AUTH.
    public var password: String?
    /// Redis 6 ACL user name; used as `AUTH username password` when a password is set.
    public var username: String?
    /// Database selected with SELECT after connecting when not 0.
    public var database: Int
    /// When set, `host` and `port` are not used: the master is asked of these sentinels, and
    /// followed through failovers.
    public var sentinel: RedisSentinelConfiguration?
    /// Lua scripts loaded (`SCRIPT LOAD`) on every new connection, before any request: a
    /// client may call them by SHA1 (`EVALSHA`) from the first request on, also after Redis
    /// restarted or failed over (its script cache is not kept).
    public var scripts: [String] = []

    /// Creates a configuration; the defaults match a local, unauthenticated Redis.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        timeout: Duration = .seconds(2),
        password: String? = nil,
        username: String? = nil,
        database: Int = 0,
        sentinel: RedisSentinelConfiguration? = nil
    ) {
        self.host = host
        self.port = port
        self.timeout = timeout
        self.password = password
        self.username = username
        self.database = database
        self.sentinel = sentinel
    }
}
