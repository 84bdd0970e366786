import Testing

@testable import AgentdConfig

@Suite struct ConfigurationValidationTests {
    // MARK: - Types and ranges, per layer

    @Test func messageFormatsFromTheBrief() {
        #expect(loadError("\n\nmax_deliveries = \"five\"") == "agentd.toml:3: max_deliveries: expected an integer, got \"five\"")
        #expect(loadError(environment: ["AGENTD_MAX_DELIVERIES": "0"]) == "AGENTD_MAX_DELIVERIES: expected an integer ≥ 1, got \"0\"")
    }

    @Test(arguments: [
        ("max_frame_bytes = 63", "agentd.toml:1: max_frame_bytes: expected an integer from 64 to 67108864, got 63"),
        ("max_frame_bytes = 67_108_865", "agentd.toml:1: max_frame_bytes: expected an integer from 64 to 67108864, got 67108865"),
        ("max_connections = 0", "agentd.toml:1: max_connections: expected an integer ≥ 1, got 0"),
        ("event_loop_threads = -1", "agentd.toml:1: event_loop_threads: expected an integer from 0 to 1024, got -1"),
        ("event_loop_threads = 1025", "agentd.toml:1: event_loop_threads: expected an integer from 0 to 1024, got 1025"),
        ("max_deliveries = -1", "agentd.toml:1: max_deliveries: expected an integer ≥ 1, got -1"),
        ("ack_timeout_ms = 0", "agentd.toml:1: ack_timeout_ms: expected an integer ≥ 1, got 0"),
        ("heartbeat_timeout_ms = 0", "agentd.toml:1: heartbeat_timeout_ms: expected an integer ≥ 1, got 0"),
        ("drain_timeout_ms = -1", "agentd.toml:1: drain_timeout_ms: expected an integer ≥ 0, got -1"),
        ("task_max_retries = -1", "agentd.toml:1: task_max_retries: expected an integer ≥ 0, got -1"),
        ("listen = \"127.0.0.1:70000\"", "agentd.toml:1: listen: expected HOST:PORT, got \"127.0.0.1:70000\" (the port must be a number from 0 to 65535)"),
        ("redis = \"127.0.0.1:0\"", "agentd.toml:1: redis: expected HOST:PORT with a port from 1 to 65535, got \"127.0.0.1:0\""),
        ("admin = \"nowhere\"", "agentd.toml:1: admin: expected HOST:PORT, got \"nowhere\" (missing ':PORT')"),
        ("backend = \"disk\"", "agentd.toml:1: backend: expected one of \"redis\", \"memory\", got \"disk\""),
        ("log_level = \"verbose\"", "agentd.toml:1: log_level: expected one of \"trace\", \"debug\", \"info\", \"notice\", \"warning\", \"error\", \"critical\", got \"verbose\""),
        ("log_format = \"xml\"", "agentd.toml:1: log_format: expected one of \"text\", \"json\", got \"xml\""),
        ("key_prefix = \"\"", "agentd.toml:1: key_prefix: expected a non-empty string, got \"\""),
        ("listen = 7420", "agentd.toml:1: listen: expected a string, got 7420"),
        ("max_deliveries = true", "agentd.toml:1: max_deliveries: expected an integer, got true"),
        ("max_deliveries = [1, 2]", "agentd.toml:1: max_deliveries: expected an integer, got an array"),
        ("[tls]\nrequire_client_cert = \"yes\"", "agentd.toml:2: tls.require_client_cert: expected true or false, got \"yes\""),
        ("[auth]\nmode = \"password\"", "agentd.toml:2: auth.mode: expected one of \"none\", \"token\", got \"password\""),
        ("[redis_auth]\ndatabase = -1", "agentd.toml:2: redis_auth.database: expected an integer ≥ 0, got -1"),
    ])
    func fileValueErrors(toml: String, message: String) {
        #expect(loadError(toml) == message)
    }

    @Test func limitsAreInclusive() throws {
        #expect(try load("max_frame_bytes = 64").maxFrameBytes == 64)
        #expect(try load("max_frame_bytes = 67_108_864").maxFrameBytes == 67_108_864)
        #expect(try load("listen = \"h:65535\"").listen.port == 65535)
        #expect(try load("listen = \"h:0\"").listen.port == 0)
    }

    @Test(arguments: [
        ("AGENTD_MAX_FRAME_BYTES", "10", "AGENTD_MAX_FRAME_BYTES: expected an integer from 64 to 67108864, got \"10\""),
        ("AGENTD_MAX_CONNECTIONS", "", "AGENTD_MAX_CONNECTIONS: expected an integer, got \"\""),
        ("AGENTD_MAX_CONNECTIONS", " 5", "AGENTD_MAX_CONNECTIONS: expected an integer, got \" 5\""),
        ("AGENTD_ACK_TIMEOUT_MS", "1.5", "AGENTD_ACK_TIMEOUT_MS: expected an integer, got \"1.5\""),
        ("AGENTD_ACK_TIMEOUT_MS", "99999999999999999999", "AGENTD_ACK_TIMEOUT_MS: expected an integer, got \"99999999999999999999\""),
        ("AGENTD_HEARTBEAT_TIMEOUT_MS", "0", "AGENTD_HEARTBEAT_TIMEOUT_MS: expected an integer ≥ 1, got \"0\""),
        ("AGENTD_LISTEN", "[::1]:99999", "AGENTD_LISTEN: expected HOST:PORT, got \"[::1]:99999\" (the port must be a number from 0 to 65535)"),
        ("AGENTD_AUTH_MODE", "tokens", "AGENTD_AUTH_MODE: expected one of \"none\", \"token\", got \"tokens\""),
        ("AGENTD_KEY_PREFIX", "", "AGENTD_KEY_PREFIX: expected a non-empty string, got \"\""),
    ])
    func environmentValueErrors(variable: String, value: String, message: String) {
        #expect(loadError(environment: [variable: value]) == message)
    }

    @Test func environmentErrorWinsOverAValidFile() {
        // The file's value is fine, but the layer above it is not: report the layer above.
        #expect(loadError("max_deliveries = 3", environment: ["AGENTD_MAX_DELIVERIES": "x"]) == "AGENTD_MAX_DELIVERIES: expected an integer, got \"x\"")
    }

    // MARK: - Unknown keys and tables

    @Test(arguments: [
        ("max_delivery = 5", "agentd.toml:1: unknown key max_delivery (did you mean max_deliveries?)"),
        ("\n# c\nlisten_address = \"h:1\"", "agentd.toml:3: unknown key listen_address (did you mean listen?)"),
        ("ack_timeout = 5", "agentd.toml:1: unknown key ack_timeout (did you mean ack_timeout_ms?)"),
        ("colour = \"blue\"", "agentd.toml:1: unknown key colour"),
        ("auth = \"token\"", "agentd.toml:1: unknown key auth ([auth] is a table: put its keys under a [auth] header)"),
        ("[auth]\nlisten = \"h:1\"", "agentd.toml:2: unknown key auth.listen"),
        ("[auth]\nmdoe = \"none\"", "agentd.toml:2: unknown key auth.mdoe (did you mean auth.mode?)"),
        ("[redis]\npassword = \"x\"", "agentd.toml:1: unknown table [redis] (known tables: [auth], [redis_auth], [tls])"),
        ("[auth.extra]", "agentd.toml:1: unknown table [auth.extra] (known tables: [auth], [redis_auth], [tls])"),
    ])
    func unknownNamesAreErrors(toml: String, message: String) {
        #expect(loadError(toml) == message)
    }

    // MARK: - Checks across keys

    @Test func tokenModeNeedsATokensFile() throws {
        #expect(loadError("[auth]\nmode = \"token\"")?.hasPrefix("auth.mode is \"token\" but auth.tokens_file is empty") == true)
        #expect(loadError(environment: ["AGENTD_AUTH_MODE": "token", "AGENTD_AUTH_TOKENS_FILE": ""]) != nil)
        #expect(try load("[auth]\nmode = \"token\"", environment: ["AGENTD_AUTH_TOKENS_FILE": "/t"]).auth.tokensFile == "/t")
    }

    @Test func tlsNeedsCertificateAndKeyTogether() throws {
        #expect(loadError("[tls]\ncert_file = \"/c\"")?.contains("tls.key_file (AGENTD_TLS_KEY_FILE) is empty") == true)
        #expect(loadError("[tls]\nkey_file = \"/k\"")?.contains("tls.cert_file (AGENTD_TLS_CERT_FILE) is empty") == true)
        #expect(loadError("[tls]\nrequire_client_cert = true")?.hasPrefix("tls.require_client_cert is true") == true)
        #expect(loadError("[tls]\ncert_file = \"/c\"\nkey_file = \"/k\"\nrequire_client_cert = true")?.hasPrefix("tls.require_client_cert is true") == true)
        #expect(loadError("[tls]\nca_file = \"/ca\"")?.hasPrefix("tls.ca_file is set") == true)
        let full = try load("[tls]\ncert_file = \"/c\"\nkey_file = \"/k\"\nca_file = \"/ca\"\nrequire_client_cert = true")
        #expect(full.tls == AgentdConfiguration.TLS(certFile: "/c", keyFile: "/k", caFile: "/ca", requireClientCert: true))
        #expect(full.tls.isEnabled)
    }

    @Test func plainListenNeedsTLSAndLoopback() throws {
        let tls = "[tls]\ncert_file = \"/c\"\nkey_file = \"/k\"\n"
        #expect(loadError("[tls]\nplain_listen = \"127.0.0.1:7421\"")?.hasPrefix("tls.plain_listen is set but TLS is off") == true)
        #expect(loadError(tls + "plain_listen = \"0.0.0.0:7421\"")?.contains("must be a loopback address") == true)
        #expect(loadError(tls + "plain_listen = \"10.0.0.1:7421\"")?.contains("must be a loopback address") == true)
        for host in ["127.0.0.1:7421", "127.1.2.3:0", "[::1]:7421", "localhost:7421"] {
            #expect(try load(tls + "plain_listen = \"\(host)\"").tls.plainListen != nil, "\(host)")
        }
        #expect(try load(tls + "plain_listen = \"\"").tls.plainListen == nil)
    }

    // MARK: - Secrets

    @Test func redisPasswordNeverAppearsInErrors() {
        let secret = "hunter2-\u{e9}"
        let messages = [
            loadError("[redis_auth]\npassword = \"\(secret)\\q\""),  // bad escape
            loadError("[redis_auth]\npassword = \"\(secret)"),  // unterminated
            loadError("[redis_auth]\npassword = \(secret)"),  // unquoted
            loadError("[redis_auth]\npassword = \"\(secret)\" trailing"),  // text after the value
            loadError("[redis_auth]\npassword = 12345"),  // wrong type
            loadError("[redis_auth]\npassword = \"\(secret)\"\npassword = \"\(secret)\""),  // twice
            loadError("[redis_auth]\npassword = \"\(secret)\"", environment: ["AGENTD_MAX_DELIVERIES": "0"]),
        ]
        for message in messages {
            #expect(message != nil)
            #expect(message?.contains("hunter2") == false, "\(message ?? "")")
            #expect(message?.contains("12345") == false, "\(message ?? "")")
        }
        // The same mistakes on a non-secret key do quote the input: that is what makes hiding deliberate.
        #expect(loadError("[redis_auth]\nusername = hunter2")?.contains("hunter2") == true)
    }

    @Test func emptyStringsMeanNotSet() throws {
        let configuration = try load(
            "admin = \"\"\naudit_dir = \"\"\n[redis_auth]\npassword = \"\"\nusername = ''\n[auth]\ntokens_file = \"\""
        )
        #expect(configuration == AgentdConfiguration())
    }
}
