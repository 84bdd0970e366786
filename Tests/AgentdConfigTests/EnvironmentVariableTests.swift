import Testing

@testable import AgentdConfig

/// One row per key: its variable, a non-default value, and how that value shows up.
struct EnvironmentCase: Sendable, CustomTestStringConvertible {
    let variable: String
    let value: String
    let check: @Sendable (AgentdConfiguration) -> Bool
    var testDescription: String { "\(self.variable)=\(self.value)" }
}

@Suite struct EnvironmentVariableTests {
    static let cases: [EnvironmentCase] = [
        EnvironmentCase(variable: "AGENTD_LISTEN", value: "0.0.0.0:1") { $0.listen == HostPort(host: "0.0.0.0", port: 1) },
        EnvironmentCase(variable: "AGENTD_REDIS", value: "r:2") { $0.redis == HostPort(host: "r", port: 2) },
        EnvironmentCase(variable: "AGENTD_REDIS_SENTINELS", value: "s1:26379,s2:26380") {
            $0.redisSentinels == [HostPort(host: "s1", port: 26379), HostPort(host: "s2", port: 26380)]
        },
        EnvironmentCase(variable: "AGENTD_REDIS_MASTER_NAME", value: "main") { $0.redisMasterName == "main" },
        EnvironmentCase(variable: "AGENTD_REDIS_WAIT_REPLICAS", value: "2") { $0.redisWaitReplicas == 2 },
        EnvironmentCase(variable: "AGENTD_BACKEND", value: "memory") { $0.backend == .memory },
        EnvironmentCase(variable: "AGENTD_ADMIN", value: "[::1]:3") { $0.admin == HostPort(host: "::1", port: 3) },
        EnvironmentCase(variable: "AGENTD_LOG_LEVEL", value: "error") { $0.logLevel == "error" },
        EnvironmentCase(variable: "AGENTD_LOG_FORMAT", value: "JSON") { $0.logFormat == .json },
        EnvironmentCase(variable: "AGENTD_MAX_FRAME_BYTES", value: "4096") { $0.maxFrameBytes == 4096 },
        EnvironmentCase(variable: "AGENTD_MAX_CONNECTIONS", value: "10") { $0.maxConnections == 10 },
        EnvironmentCase(variable: "AGENTD_EVENT_LOOP_THREADS", value: "1") { $0.eventLoopThreads == 1 },
        EnvironmentCase(variable: "AGENTD_MAX_IN_FLIGHT_PER_CONNECTION", value: "11") { $0.maxInFlightPerConnection == 11 },
        EnvironmentCase(variable: "AGENTD_MAX_OUTBOUND_BYTES", value: "70000") { $0.maxOutboundBytes == 70_000 },
        EnvironmentCase(variable: "AGENTD_HELLO_TIMEOUT_MS", value: "21") { $0.helloTimeoutMilliseconds == 21 },
        EnvironmentCase(variable: "AGENTD_IDLE_TIMEOUT_MS", value: "22") { $0.idleTimeoutMilliseconds == 22 },
        EnvironmentCase(variable: "AGENTD_ACK_TIMEOUT_MS", value: "12") { $0.ackTimeoutMilliseconds == 12 },
        EnvironmentCase(variable: "AGENTD_MAX_DELIVERIES", value: "13") { $0.maxDeliveries == 13 },
        EnvironmentCase(variable: "AGENTD_DEDUP_WINDOW_MS", value: "14") { $0.dedupWindowMilliseconds == 14 },
        EnvironmentCase(variable: "AGENTD_STORE_TIMEOUT_MS", value: "15") { $0.storeTimeoutMilliseconds == 15 },
        EnvironmentCase(variable: "AGENTD_DRAIN_TIMEOUT_MS", value: "0") { $0.drainTimeoutMilliseconds == 0 },
        EnvironmentCase(variable: "AGENTD_HEARTBEAT_INTERVAL_MS", value: "17") { $0.heartbeatIntervalMilliseconds == 17 },
        EnvironmentCase(variable: "AGENTD_HEARTBEAT_TIMEOUT_MS", value: "18") { $0.heartbeatTimeoutMilliseconds == 18 },
        EnvironmentCase(variable: "AGENTD_TASK_TIMEOUT_MS", value: "19") { $0.taskTimeoutMilliseconds == 19 },
        EnvironmentCase(variable: "AGENTD_TASK_MAX_RETRIES", value: "0") { $0.taskMaxRetries == 0 },
        EnvironmentCase(variable: "AGENTD_TASK_RETENTION_MS", value: "23") { $0.taskRetentionMilliseconds == 23 },
        EnvironmentCase(variable: "AGENTD_MAX_FETCH_LIMIT", value: "21") { $0.maxFetchLimit == 21 },
        EnvironmentCase(variable: "AGENTD_MAX_WAIT_MS", value: "0") { $0.maxWaitMilliseconds == 0 },
        EnvironmentCase(variable: "AGENTD_MAX_PREFETCH", value: "1_000") { $0.maxPrefetch == 1_000 },
        EnvironmentCase(variable: "AGENTD_KEY_PREFIX", value: "staging") { $0.keyPrefix == "staging" },
        EnvironmentCase(variable: "AGENTD_DAEMON_ID", value: "host-1.a:b_c") { $0.daemonID == "host-1.a:b_c" },
        EnvironmentCase(variable: "AGENTD_DAEMON_LEASE_MS", value: "300") { $0.daemonLeaseMilliseconds == 300 },
        EnvironmentCase(variable: "AGENTD_AUDIT_DIR", value: "/var/log/agentd") { $0.auditDirectory == "/var/log/agentd" },
        EnvironmentCase(variable: "AGENTD_AUDIT_RETENTION_DAYS", value: "7") { $0.auditRetentionDays == 7 },
        EnvironmentCase(variable: "AGENTD_REDIS_AUTH_PASSWORD", value: "s3cret") { $0.redisAuth.password == "s3cret" },
        EnvironmentCase(variable: "AGENTD_REDIS_AUTH_USERNAME", value: "agentd") { $0.redisAuth.username == "agentd" },
        EnvironmentCase(variable: "AGENTD_REDIS_AUTH_DATABASE", value: "2") { $0.redisAuth.database == 2 },
        EnvironmentCase(variable: "AGENTD_AUTH_MODE", value: "token") { $0.auth.mode == .token },
        EnvironmentCase(variable: "AGENTD_AUTH_TOKENS_FILE", value: "/t.json") { $0.auth.tokensFile == "/t.json" },
        EnvironmentCase(variable: "AGENTD_TLS_CERT_FILE", value: "/c.pem") { $0.tls.certFile == "/c.pem" },
        EnvironmentCase(variable: "AGENTD_TLS_KEY_FILE", value: "/k.pem") { $0.tls.keyFile == "/k.pem" },
        EnvironmentCase(variable: "AGENTD_TLS_CA_FILE", value: "/ca.pem") { $0.tls.caFile == "/ca.pem" },
        EnvironmentCase(variable: "AGENTD_TLS_REQUIRE_CLIENT_CERT", value: "true") { $0.tls.requireClientCert },
        EnvironmentCase(variable: "AGENTD_TLS_PLAIN_LISTEN", value: "127.0.0.1:7421") {
            $0.tls.plainListen == HostPort(host: "127.0.0.1", port: 7421)
        },
    ]

    /// Settings some rows need to pass the cross-key checks (token mode needs a tokens file…).
    static let companions: [String: String] = [
        "AGENTD_AUTH_TOKENS_FILE": "/companion.json",
        "AGENTD_TLS_CERT_FILE": "/companion-cert.pem",
        "AGENTD_TLS_KEY_FILE": "/companion-key.pem",
        "AGENTD_TLS_CA_FILE": "/companion-ca.pem",
        "AGENTD_REDIS_SENTINELS": "companion:26379",
        "AGENTD_REDIS_MASTER_NAME": "companion",
    ]

    @Test(arguments: cases)
    func variableSetsItsKey(row: EnvironmentCase) throws {
        var environment = Self.companions
        environment[row.variable] = row.value
        let configuration = try load(environment: environment)
        #expect(row.check(configuration))
        #expect(!row.check(AgentdConfiguration()), "the test value must differ from the default")
    }

    @Test func everyKeyHasARow() {
        let named = Set(Self.cases.map(\.variable))
        #expect(named == Set(ConfigurationKey.all.map(\.environmentVariable)))
        #expect(Self.cases.count == ConfigurationKey.all.count)
    }

    @Test func publicListNamesEveryVariableAndAlias() {
        let expected = Self.cases.map(\.variable) + ["AGENT_DEFAULT_TIMEOUT", "AGENT_MAX_RETRIES", "AGENT_HEARTBEAT_INTERVAL"]
        #expect(ConfigurationLoader.environmentVariables == expected)
    }

    @Test func contractVariablesExist() {
        // The ones protocol-v1.md names explicitly.
        let contract = [
            "AGENTD_LISTEN", "AGENTD_REDIS", "AGENTD_BACKEND", "AGENTD_ADMIN", "AGENTD_MAX_FRAME_BYTES",
            "AGENTD_ACK_TIMEOUT_MS", "AGENTD_MAX_DELIVERIES", "AGENTD_HEARTBEAT_INTERVAL_MS",
            "AGENTD_HEARTBEAT_TIMEOUT_MS", "AGENTD_TASK_TIMEOUT_MS", "AGENTD_TASK_MAX_RETRIES",
            "AGENTD_MAX_CONNECTIONS", "AGENTD_AUTH_MODE", "AGENTD_AUTH_TOKENS_FILE", "AGENTD_AUDIT_DIR",
        ]
        #expect(Set(contract).isSubset(of: ConfigurationLoader.environmentVariables))
    }

    @Test func booleanSpellings() throws {
        let base = ["AGENTD_TLS_CERT_FILE": "/c", "AGENTD_TLS_KEY_FILE": "/k", "AGENTD_TLS_CA_FILE": "/ca"]
        for yes in ["true", "TRUE", "1", "yes", "on"] {
            #expect(try load(environment: base.merging(["AGENTD_TLS_REQUIRE_CLIENT_CERT": yes]) { $1 }).tls.requireClientCert)
        }
        for no in ["false", "0", "no", "Off"] {
            #expect(try !load(environment: base.merging(["AGENTD_TLS_REQUIRE_CLIENT_CERT": no]) { $1 }).tls.requireClientCert)
        }
        #expect(loadError(environment: ["AGENTD_TLS_REQUIRE_CLIENT_CERT": "maybe"]) == "AGENTD_TLS_REQUIRE_CLIENT_CERT: expected true or false, got \"maybe\"")
    }
}
