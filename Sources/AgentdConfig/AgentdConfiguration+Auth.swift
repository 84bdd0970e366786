extension AgentdConfiguration {
    /// How agents authenticate (`[auth] mode`).
    public enum AuthMode: String, Sendable, Hashable, CaseIterable {
        /// Any `hello` is accepted: for local use. The default.
        case none
        /// `hello` must carry a token whose SHA-256 is listed in `tokens_file`.
        case token
    }

    /// The `[auth]` table.
    public struct Auth: Sendable, Equatable {
        /// `mode` (`AGENTD_AUTH_MODE`). Default `.none`.
        public var mode: AuthMode
        /// `tokens_file` (`AGENTD_AUTH_TOKENS_FILE`): the JSON token list; nil (file: `""`) = none.
        /// Required when `mode` is `.token`. Default none.
        public var tokensFile: String?

        /// Mode `.none`, no tokens file.
        public init(mode: AuthMode = .none, tokensFile: String? = nil) {
            self.mode = mode
            self.tokensFile = tokensFile
        }
    }
}
