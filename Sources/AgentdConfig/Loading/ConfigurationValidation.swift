/// Checks that involve several keys, run once all layers are applied (a single key's range
/// is checked as it is read, so that error can name the layer it came from).
enum ConfigurationValidation {
    static func check(_ configuration: AgentdConfiguration) throws(ConfigurationError) {
        // Token mode without a token list would reject every agent: fail at start instead.
        if configuration.auth.mode == .token && configuration.auth.tokensFile == nil {
            throw ConfigurationError(
                "auth.mode is \"token\" but auth.tokens_file is empty (set it in [auth] or AGENTD_AUTH_TOKENS_FILE)"
            )
        }
        // Half a Sentinel setup would silently use the plain `redis` address instead.
        if configuration.redisSentinels.isEmpty != (configuration.redisMasterName == nil) {
            let missing = configuration.redisSentinels.isEmpty
                ? "redis_sentinels (AGENTD_REDIS_SENTINELS)" : "redis_master_name (AGENTD_REDIS_MASTER_NAME)"
            throw ConfigurationError("Redis Sentinel needs both redis_sentinels and redis_master_name; \(missing) is empty")
        }
        let tls = configuration.tls
        // Half a TLS setup would otherwise fall back to plain TCP without anyone noticing.
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            let missing = tls.certFile == nil ? "tls.cert_file (AGENTD_TLS_CERT_FILE)" : "tls.key_file (AGENTD_TLS_KEY_FILE)"
            throw ConfigurationError("TLS needs both tls.cert_file and tls.key_file; \(missing) is empty")
        }
        if tls.requireClientCert && (tls.caFile == nil || tls.certFile == nil) {
            throw ConfigurationError(
                "tls.require_client_cert is true but TLS is not fully set up: it needs tls.cert_file, tls.key_file and tls.ca_file"
            )
        }
        if tls.caFile != nil && tls.certFile == nil {
            throw ConfigurationError("tls.ca_file is set but tls.cert_file is empty: client certificates need TLS on")
        }
        if let plain = tls.plainListen {
            guard tls.isEnabled else {
                throw ConfigurationError("tls.plain_listen is set but TLS is off: the agent port (listen) is plain TCP already")
            }
            // Plain TCP carries tokens in clear text: only where nothing leaves the machine.
            guard plain.isLoopback else {
                throw ConfigurationError(
                    "tls.plain_listen must be a loopback address (127.0.0.1, ::1 or localhost), got \(plain)"
                )
            }
        }
    }
}
