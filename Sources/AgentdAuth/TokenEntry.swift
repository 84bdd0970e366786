/// One entry of the tokens file: who (an agent id or pattern), the SHA-256 of their token, and
/// the roles they may register as.
public struct TokenEntry: Sendable, Equatable {
    /// The agent id or pattern (`agent`).
    public var agent: AgentPattern
    /// `token_sha256`, 64 lower-case hex digits.
    public var tokenSHA256: String
    /// `roles`: role names (`worker`, `supervisor`, `coordinator`, `monitor`); never empty.
    public var roles: Set<String>

    /// An entry; the digest is lower-cased so upper-case hex in the file still matches.
    public init(agent: String, tokenSHA256: String, roles: Set<String>) {
        self.agent = AgentPattern(agent)
        self.tokenSHA256 = tokenSHA256.lowercased()
        self.roles = roles
    }
}
