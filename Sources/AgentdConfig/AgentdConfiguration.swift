/// Everything agentd can be configured with, and the default of each setting.
///
/// Built by `ConfigurationLoader` in layers: these defaults, then the config file
/// (`Config/agentd.toml` documents every key), then `AGENTD_*` environment variables, then
/// command-line flags. Each property names its file key; its environment variable is
/// `AGENTD_` + the key in upper case, tables joined with `_` (`[auth] mode` → `AGENTD_AUTH_MODE`).
public struct AgentdConfiguration: Sendable, Equatable {
    /// `listen`: where agents connect. Default `127.0.0.1:7420`; port 0 picks a free port.
    public var listen: HostPort
    /// `redis`: the Redis server's address. Default `127.0.0.1:6379`.
    public var redis: HostPort
    /// `redis_sentinels`: Redis Sentinel addresses (a comma list in the file and in
    /// `AGENTD_REDIS_SENTINELS`); with `redis_master_name`, agentd asks them for the master and
    /// follows failovers, and `redis` is not used. Default none.
    public var redisSentinels: [HostPort]
    /// `redis_master_name`: the master's name in the sentinels' configuration. Default none.
    public var redisMasterName: String?
    /// `redis_wait_replicas`: replicas that must have each send and task change before it is
    /// answered (Redis `WAIT`, bounded by `store_timeout_ms`); 0 = answer at once. Default 0.
    public var redisWaitReplicas: Int
    /// `backend`: where messages are stored. Default `.redis`.
    public var backend: Backend
    /// `admin`: the HTTP address for `/healthz` and `/metrics`; nil (file: `""`) = off. Default off.
    public var admin: HostPort?
    /// `log_level`: one of `AgentdConfiguration.logLevels`, lower case. Default `info`.
    public var logLevel: String
    /// `log_format`: `text` (plain lines) or `json` (one object per line). Default `.text`.
    public var logFormat: LogFormat

    /// `max_frame_bytes`: longest request line, newline not counted; 64…64 MiB. Default 1 MiB (1 048 576).
    public var maxFrameBytes: Int
    /// `max_connections`: open connections before new ones get `overloaded`; ≥ 1. Default 16 384.
    public var maxConnections: Int
    /// `event_loop_threads`: threads serving connections (and their Redis I/O); 0 = one per
    /// core. Default 0. Fewer threads hand fewer messages from thread to thread (lower latency
    /// at light load on a small machine); more move more messages (docs/performance.md).
    public var eventLoopThreads: Int
    /// `max_in_flight_per_connection`: requests of one connection processed at once; ≥ 1. Default 128.
    public var maxInFlightPerConnection: Int
    /// `max_outbound_bytes`: bytes waiting to be written to one connection before agentd closes
    /// it as a slow consumer (its unacked messages are delivered again); ≥ 64 KiB. Default 64 MiB.
    public var maxOutboundBytes: Int
    /// `task_retention_ms`: how long a finished task (completed, failed, timed out, cancelled)
    /// stays queryable before it is forgotten; ≥ 1. Default 86 400 000 (24 h).
    public var taskRetentionMilliseconds: Int
    /// `hello_timeout_ms`: a connection that has not said `hello` after this is closed; ≥ 1. Default 10 000.
    public var helloTimeoutMilliseconds: Int
    /// `idle_timeout_ms`: a connection that sends nothing for this long is closed; 0 = never (default).
    public var idleTimeoutMilliseconds: Int
    /// `ack_timeout_ms`: a delivered message not acked within this is delivered again; ≥ 1. Default 30 000.
    public var ackTimeoutMilliseconds: Int
    /// `max_deliveries`: attempts before a message goes to the dead letters; ≥ 1. Default 5.
    public var maxDeliveries: Int
    /// `dedup_window_ms`: how long a sender's `message_id` is remembered; ≥ 1. Default 600 000 (10 min).
    public var dedupWindowMilliseconds: Int
    /// `store_timeout_ms`: longest wait for the store before `unavailable`; ≥ 1. Default 2 000.
    public var storeTimeoutMilliseconds: Int
    /// `drain_timeout_ms`: on SIGTERM/SIGINT, how long in-flight requests may finish; ≥ 0. Default 10 000.
    public var drainTimeoutMilliseconds: Int
    /// `heartbeat_interval_ms`: how often agents are expected to heartbeat; ≥ 1. Default 30 000.
    public var heartbeatIntervalMilliseconds: Int
    /// `heartbeat_timeout_ms`: silence after which an agent is `offline`; ≥ 1.
    /// Default 3 × `heartbeat_interval_ms` (90 000) unless set explicitly in some layer.
    public var heartbeatTimeoutMilliseconds: Int
    /// `task_timeout_ms`: a task's default deadline; ≥ 1. Default 300 000 (5 min).
    public var taskTimeoutMilliseconds: Int
    /// `task_max_retries`: default retries of a failed task (tried at most this + 1 times); ≥ 0. Default 3.
    public var taskMaxRetries: Int
    /// `max_fetch_limit`: the largest `limit` a `fetch` may ask for; ≥ 1. Default 1 000.
    public var maxFetchLimit: Int
    /// `max_wait_ms`: the longest `wait_ms` a `fetch` may ask for; ≥ 0. Default 30 000.
    public var maxWaitMilliseconds: Int
    /// `max_prefetch`: the most unacked messages pushed to one subscriber; ≥ 1. Default 10 000.
    public var maxPrefetch: Int
    /// `key_prefix`: prefix of every Redis key agentd writes; not empty. Default `agentd`.
    public var keyPrefix: String
    /// `daemon_id`: this daemon's name among the daemons sharing one Redis and `key_prefix`:
    /// 1–64 characters of `[A-Za-z0-9._:-]`. nil (file: `""`) = the host name plus a random
    /// suffix, made at start. Two live daemons with one id is an error at start.
    public var daemonID: String?
    /// `daemon_lease_ms`: a daemon silent in Redis for this long counts as dead, and the others
    /// take over its deliveries; renewed every third of it. In effect at most half of
    /// `ack_timeout_ms` (a dead daemon's deliveries are back within the ack timeout); 300…600 000.
    /// Default 5 000.
    public var daemonLeaseMilliseconds: Int
    /// `audit_dir`: directory for audit logs; nil (file: `""`) = no audit log. Default off.
    public var auditDirectory: String?
    /// `audit_retention_days`: audit files older than this are deleted; ≥ 1. Default 30.
    public var auditRetentionDays: Int

    /// `[redis_auth]`: credentials and database for the Redis connection.
    public var redisAuth: RedisAuth
    /// `[auth]`: how agents prove who they are.
    public var auth: Auth
    /// `[tls]`: TLS for the agent port; off unless certificate and key are given.
    public var tls: TLS

    /// The accepted `log_level` values, most verbose first (swift-log's levels).
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Every setting at its default (see each property).
    public init() {
        self.listen = HostPort(host: "127.0.0.1", port: 7420)
        self.redis = HostPort(host: "127.0.0.1", port: 6379)
        self.redisSentinels = []
        self.redisMasterName = nil
        self.redisWaitReplicas = 0
        self.backend = .redis
        self.admin = nil
        self.logLevel = "info"
        self.logFormat = .text
        self.maxFrameBytes = 1_048_576
        self.maxConnections = 16_384
        self.eventLoopThreads = 0
        self.maxInFlightPerConnection = 128
        self.maxOutboundBytes = 64 * 1_048_576
        self.taskRetentionMilliseconds = 86_400_000
        self.helloTimeoutMilliseconds = 10_000
        self.idleTimeoutMilliseconds = 0
        self.ackTimeoutMilliseconds = 30_000
        self.maxDeliveries = 5
        self.dedupWindowMilliseconds = 600_000
        self.storeTimeoutMilliseconds = 2_000
        self.drainTimeoutMilliseconds = 10_000
        self.heartbeatIntervalMilliseconds = 30_000
        self.heartbeatTimeoutMilliseconds = 3 * 30_000
        self.taskTimeoutMilliseconds = 300_000
        self.taskMaxRetries = 3
        self.maxFetchLimit = 1_000
        self.maxWaitMilliseconds = 30_000
        self.maxPrefetch = 10_000
        self.keyPrefix = "agentd"
        self.daemonID = nil
        self.daemonLeaseMilliseconds = 5_000
        self.auditDirectory = nil
        self.auditRetentionDays = 30
        self.redisAuth = RedisAuth()
        self.auth = Auth()
        self.tls = TLS()
    }
}

extension AgentdConfiguration {
    /// Whether `id` is a valid `daemon_id`: 1–64 characters of `[A-Za-z0-9._:-]`.
    public static func isValidDaemonID(_ id: String) -> Bool {
        guard (1...64).contains(id.utf8.count) else { return false }
        return id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"),
                UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// The lease in effect: `daemon_lease_ms`, but at most half the ack timeout so a dead
    /// daemon's deliveries come back within `ack_timeout_ms`, and at least 300 ms.
    public var effectiveDaemonLeaseMilliseconds: Int {
        max(300, min(self.daemonLeaseMilliseconds, self.ackTimeoutMilliseconds / 2))
    }
}
