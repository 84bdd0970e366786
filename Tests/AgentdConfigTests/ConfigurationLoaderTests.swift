import Testing

@testable import AgentdConfig

@Suite struct ConfigurationLoaderTests {
    // MARK: - Layers

    @Test func fileOverridesDefaults() throws {
        let configuration = try load(
            """
            listen = "0.0.0.0:9000"
            max_deliveries = 7
            [auth]
            mode = "token"
            tokens_file = "/etc/agentd/tokens.json"
            """
        )
        #expect(configuration.listen == HostPort(host: "0.0.0.0", port: 9000))
        #expect(configuration.maxDeliveries == 7)
        #expect(configuration.auth == AgentdConfiguration.Auth(mode: .token, tokensFile: "/etc/agentd/tokens.json"))
        // Keys the file does not mention keep their defaults.
        #expect(configuration.redis == AgentdConfiguration().redis)
        #expect(configuration.ackTimeoutMilliseconds == 30_000)
    }

    @Test func environmentOverridesFile() throws {
        let configuration = try load(
            "listen = \"0.0.0.0:9000\"\nmax_deliveries = 7\n",
            environment: ["AGENTD_LISTEN": "127.0.0.1:9100"]
        )
        #expect(configuration.listen == HostPort(host: "127.0.0.1", port: 9100))
        #expect(configuration.maxDeliveries == 7)
    }

    @Test func flagsOverrideEnvironmentAndFile() throws {
        let configuration = try load(
            "listen = \"0.0.0.0:9000\"\nbackend = \"redis\"\nlog_level = \"debug\"\n",
            environment: ["AGENTD_LISTEN": "127.0.0.1:9100", "AGENTD_BACKEND": "redis", "AGENTD_ADMIN": "127.0.0.1:9200"],
            flags: ConfigurationOverrides(listen: "[::1]:0", backend: "memory")
        )
        #expect(configuration.listen == HostPort(host: "::1", port: 0))
        #expect(configuration.backend == .memory)
        #expect(configuration.admin == HostPort(host: "127.0.0.1", port: 9200))  // env, no flag
        #expect(configuration.logLevel == "debug")  // file, nothing above it
    }

    @Test func everyFlagApplies() throws {
        let configuration = try load(
            flags: ConfigurationOverrides(
                listen: "1.2.3.4:1",
                redis: "redis.local:6380",
                backend: "memory",
                admin: "127.0.0.1:9090",
                logLevel: "trace"
            )
        )
        #expect(configuration.listen == HostPort(host: "1.2.3.4", port: 1))
        #expect(configuration.redis == HostPort(host: "redis.local", port: 6380))
        #expect(configuration.backend == .memory)
        #expect(configuration.admin == HostPort(host: "127.0.0.1", port: 9090))
        #expect(configuration.logLevel == "trace")
    }

    @Test func emptyValueTurnsAdminOffAgain() throws {
        let fromEnvironment = try load("admin = \"127.0.0.1:9090\"", environment: ["AGENTD_ADMIN": ""])
        #expect(fromEnvironment.admin == nil)
        let fromFlag = try load(environment: ["AGENTD_ADMIN": "127.0.0.1:9090"], flags: ConfigurationOverrides(admin: ""))
        #expect(fromFlag.admin == nil)
    }

    @Test func badFlagNamesTheFlag() {
        #expect(loadError(flags: ConfigurationOverrides(listen: "nowhere")) == "--listen: expected HOST:PORT, got \"nowhere\" (missing ':PORT')")
        #expect(loadError(flags: ConfigurationOverrides(backend: "disk")) == "--backend: expected one of \"redis\", \"memory\", got \"disk\"")
        #expect(loadError(flags: ConfigurationOverrides(logLevel: "loud"))?.hasPrefix("--log-level: expected one of \"trace\"") == true)
    }

    @Test func choicesAreCaseInsensitive() throws {
        let configuration = try load(environment: ["AGENTD_BACKEND": "Memory", "AGENTD_LOG_LEVEL": "WARNING"])
        #expect(configuration.backend == .memory)
        #expect(configuration.logLevel == "warning")
    }

    @Test func unknownAgentdVariablesAreIgnored() throws {
        #expect(try load(environment: ["AGENTD_TEST_REDIS": "x", "AGENTD_MAX_DELIVERY": "oops", "PATH": "/bin"]) == AgentdConfiguration())
    }

    // MARK: - Heartbeat timeout

    @Test func heartbeatTimeoutFollowsTheIntervalFromAnyLayer() throws {
        #expect(try load("heartbeat_interval_ms = 1_000").heartbeatTimeoutMilliseconds == 3_000)
        #expect(try load(environment: ["AGENTD_HEARTBEAT_INTERVAL_MS": "2000"]).heartbeatTimeoutMilliseconds == 6_000)
        #expect(try load(environment: ["AGENT_HEARTBEAT_INTERVAL": "5"]).heartbeatTimeoutMilliseconds == 15_000)
    }

    @Test func explicitHeartbeatTimeoutWinsInAnyLayer() throws {
        let fromFile = try load("heartbeat_timeout_ms = 45_000", environment: ["AGENTD_HEARTBEAT_INTERVAL_MS": "1000"])
        #expect(fromFile.heartbeatTimeoutMilliseconds == 45_000)
        #expect(fromFile.heartbeatIntervalMilliseconds == 1_000)
        let fromEnvironment = try load("heartbeat_interval_ms = 1_000", environment: ["AGENTD_HEARTBEAT_TIMEOUT_MS": "2500"])
        #expect(fromEnvironment.heartbeatTimeoutMilliseconds == 2_500)
        // Explicitly set to what the default would be is still explicit.
        let sameAsDefault = try load("heartbeat_timeout_ms = 90_000\nheartbeat_interval_ms = 1_000")
        #expect(sameAsDefault.heartbeatTimeoutMilliseconds == 90_000)
    }

    @Test func hugeHeartbeatIntervalCannotOverflowTheDerivedTimeout() {
        #expect(loadError(environment: ["AGENTD_HEARTBEAT_INTERVAL_MS": String(Int.max)])?.hasPrefix("heartbeat_interval_ms:") == true)
        #expect(loadError(environment: ["AGENTD_HEARTBEAT_INTERVAL_MS": String(Int.max), "AGENTD_HEARTBEAT_TIMEOUT_MS": "5"]) == nil)
    }

    // MARK: - Aliases from the original design

    @Test func aliasesConvertToTheirKeys() throws {
        let configuration = try load(
            environment: ["AGENT_DEFAULT_TIMEOUT": "60", "AGENT_MAX_RETRIES": "0", "AGENT_HEARTBEAT_INTERVAL": "1.5"]
        )
        #expect(configuration.taskTimeoutMilliseconds == 60_000)
        #expect(configuration.taskMaxRetries == 0)
        #expect(configuration.heartbeatIntervalMilliseconds == 1_500)
        #expect(configuration.heartbeatTimeoutMilliseconds == 4_500)
    }

    @Test func aliasesOverrideTheFile() throws {
        let configuration = try load("task_timeout_ms = 1_000\ntask_max_retries = 9", environment: ["AGENT_DEFAULT_TIMEOUT": "2", "AGENT_MAX_RETRIES": "1"])
        #expect(configuration.taskTimeoutMilliseconds == 2_000)
        #expect(configuration.taskMaxRetries == 1)
    }

    @Test func agentdVariablesWinOverAliases() throws {
        let configuration = try load(
            environment: [
                "AGENT_DEFAULT_TIMEOUT": "60", "AGENTD_TASK_TIMEOUT_MS": "1234",
                "AGENT_MAX_RETRIES": "9", "AGENTD_TASK_MAX_RETRIES": "2",
                "AGENT_HEARTBEAT_INTERVAL": "7", "AGENTD_HEARTBEAT_INTERVAL_MS": "700",
            ]
        )
        #expect(configuration.taskTimeoutMilliseconds == 1_234)
        #expect(configuration.taskMaxRetries == 2)
        #expect(configuration.heartbeatIntervalMilliseconds == 700)
        // A broken alias is not even read when its AGENTD_* variable is set.
        #expect(loadError(environment: ["AGENT_DEFAULT_TIMEOUT": "soon", "AGENTD_TASK_TIMEOUT_MS": "5"]) == nil)
    }

    @Test func flagsAndAliasesDoNotInteract() throws {
        #expect(try load(environment: ["AGENT_MAX_RETRIES": "4"], flags: ConfigurationOverrides(listen: "h:1")).taskMaxRetries == 4)
    }

    @Test(arguments: [
        ("AGENT_DEFAULT_TIMEOUT", "soon", "AGENT_DEFAULT_TIMEOUT: expected a number of seconds > 0, got \"soon\""),
        ("AGENT_DEFAULT_TIMEOUT", "0", "AGENT_DEFAULT_TIMEOUT: expected a number of seconds > 0, got \"0\""),
        ("AGENT_DEFAULT_TIMEOUT", "-5", "AGENT_DEFAULT_TIMEOUT: expected a number of seconds > 0, got \"-5\""),
        ("AGENT_HEARTBEAT_INTERVAL", "1.2345", "AGENT_HEARTBEAT_INTERVAL: expected a number of seconds > 0, got \"1.2345\""),
        ("AGENT_HEARTBEAT_INTERVAL", "99999999999999999999", "AGENT_HEARTBEAT_INTERVAL: expected a number of seconds > 0, got \"99999999999999999999\""),
        ("AGENT_MAX_RETRIES", "-1", "AGENT_MAX_RETRIES: expected an integer ≥ 0, got \"-1\""),
        ("AGENT_MAX_RETRIES", "three", "AGENT_MAX_RETRIES: expected an integer, got \"three\""),
    ])
    func badAliasNamesTheAlias(variable: String, value: String, message: String) {
        #expect(loadError(environment: [variable: value]) == message)
    }

    @Test func secondsParsing() {
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "30") == 30_000)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "0.5") == 500)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "0.05") == 50)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "2.125") == 2_125)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "") == nil)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: ".5") == nil)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "5.") == nil)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "+5") == nil)
        #expect(EnvironmentAlias.milliseconds(fromSeconds: "1e3") == nil)
    }
}
