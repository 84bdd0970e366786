extension ConfigurationKey {
    /// Every key, in the order of `Config/agentd.toml`.
    ///
    /// The limits are checked here, where each is defined; the reason for each bound is given
    /// next to it when it is not simply "a zero or negative value makes no sense".
    static let all: [ConfigurationKey] = [
        .hostPort("listen", \.listen, allowPortZero: true),  // 0 = pick a free port (tests)
        .hostPort("redis", \.redis, allowPortZero: false),  // nothing listens on port 0
        .hostPortList("redis_sentinels", \.redisSentinels),
        .optionalString("redis_master_name", \.redisMasterName),
        // 0…16: more replicas than that on one master is not a setup WAIT should serve.
        .integer("redis_wait_replicas", \.redisWaitReplicas, 0...16),
        .choice("backend", \.backend),
        .optionalHostPort("admin", \.admin),
        .oneOf("log_level", \.logLevel, AgentdConfiguration.logLevels),
        .choice("log_format", \.logFormat),

        // 64 bytes: below that not even a `hello` fits. 64 MiB: one frame is buffered whole
        // in memory per connection, so the ceiling bounds what a single client can pin.
        .integer("max_frame_bytes", \.maxFrameBytes, 64...(64 * 1_048_576)),
        .integer("max_connections", \.maxConnections, 1...Int.max),
        // 0 = one per core; 1024: far past any core count, bounds a typo's threads.
        .integer("event_loop_threads", \.eventLoopThreads, 0...1024),
        .integer("max_in_flight_per_connection", \.maxInFlightPerConnection, 1...Int.max),
        // 64 KiB: NIO's write buffer high-water mark must fit below it, or every connection
        // that pauses reading would count as slow.
        .integer("max_outbound_bytes", \.maxOutboundBytes, 65_536...Int.max),
        .integer("hello_timeout_ms", \.helloTimeoutMilliseconds, 1...Int.max),
        .integer("idle_timeout_ms", \.idleTimeoutMilliseconds, 0...Int.max),  // 0 = never
        .integer("ack_timeout_ms", \.ackTimeoutMilliseconds, 1...Int.max),
        .integer("max_deliveries", \.maxDeliveries, 1...Int.max),
        .integer("dedup_window_ms", \.dedupWindowMilliseconds, 1...Int.max),
        .integer("store_timeout_ms", \.storeTimeoutMilliseconds, 1...Int.max),
        .integer("drain_timeout_ms", \.drainTimeoutMilliseconds, 0...Int.max),  // 0 = exit at once
        .integer("heartbeat_interval_ms", \.heartbeatIntervalMilliseconds, 1...Int.max),
        .integer("heartbeat_timeout_ms", \.heartbeatTimeoutMilliseconds, 1...Int.max),
        .integer("task_timeout_ms", \.taskTimeoutMilliseconds, 1...Int.max),
        .integer("task_max_retries", \.taskMaxRetries, 0...Int.max),  // 0 = try once
        .integer("task_retention_ms", \.taskRetentionMilliseconds, 1...Int.max),
        .integer("max_fetch_limit", \.maxFetchLimit, 1...Int.max),
        .integer("max_wait_ms", \.maxWaitMilliseconds, 0...Int.max),  // 0 = no long polling
        .integer("max_prefetch", \.maxPrefetch, 1...Int.max),
        .nonEmptyString("key_prefix", \.keyPrefix),  // empty would mix agentd's keys with others'
        .daemonID("daemon_id", \.daemonID),
        // 300 ms: renewals every 100 ms are the most a daemon should spend on staying alive;
        // 10 min: past that a dead daemon's deliveries would wait longer than anyone would.
        .integer("daemon_lease_ms", \.daemonLeaseMilliseconds, 300...600_000),
        .optionalString("audit_dir", \.auditDirectory),
        .integer("audit_retention_days", \.auditRetentionDays, 1...Int.max),

        .optionalString("redis_auth.password", \.redisAuth.password, secret: true),
        .optionalString("redis_auth.username", \.redisAuth.username),
        .integer("redis_auth.database", \.redisAuth.database, 0...Int.max),

        .choice("auth.mode", \.auth.mode),
        .optionalString("auth.tokens_file", \.auth.tokensFile),

        .optionalString("tls.cert_file", \.tls.certFile),
        .optionalString("tls.key_file", \.tls.keyFile),
        .optionalString("tls.ca_file", \.tls.caFile),
        .boolean("tls.require_client_cert", \.tls.requireClientCert),
        .optionalHostPort("tls.plain_listen", \.tls.plainListen),
    ]
}
