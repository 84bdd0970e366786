extension AgentdConfiguration {
    /// The `[tls]` table: TLS on the agent port. Off unless `certFile` and `keyFile` are set.
    public struct TLS: Sendable, Equatable {
        /// `cert_file` (`AGENTD_TLS_CERT_FILE`): PEM certificate chain; nil (file: `""`) = no TLS. Default none.
        public var certFile: String?
        /// `key_file` (`AGENTD_TLS_KEY_FILE`): PEM private key; needed with `certFile`. Default none.
        public var keyFile: String?
        /// `ca_file` (`AGENTD_TLS_CA_FILE`): PEM CAs that client certificates must chain to. Default none.
        public var caFile: String?
        /// `require_client_cert` (`AGENTD_TLS_REQUIRE_CLIENT_CERT`): mutual TLS; needs `caFile`. Default false.
        public var requireClientCert: Bool
        /// `plain_listen` (`AGENTD_TLS_PLAIN_LISTEN`): a second, plain-TCP agent port next to the
        /// TLS one, for local tools; loopback addresses only. nil (file: `""`) = none. Default none.
        public var plainListen: HostPort?

        /// TLS off.
        public init(
            certFile: String? = nil,
            keyFile: String? = nil,
            caFile: String? = nil,
            requireClientCert: Bool = false,
            plainListen: HostPort? = nil
        ) {
            self.certFile = certFile
            self.keyFile = keyFile
            self.caFile = caFile
            self.requireClientCert = requireClientCert
            self.plainListen = plainListen
        }

        /// True when the agent port should speak TLS.
        public var isEnabled: Bool { self.certFile != nil }
    }
}
