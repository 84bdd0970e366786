extension TokenTable {
    /// The roles of every entry whose token is `token`, for a caller that presents a token
    /// without an agent id (the admin port's `Authorization: Bearer`); empty when none matches.
    ///
    /// The token is hashed once and compared with every entry in constant time, without
    /// stopping at a match, so the time taken says nothing about which entry (if any) matched.
    public func roles(bearer token: String) -> Set<String> {
        let presented = AgentToken.sha256Hex(token)
        var roles: Set<String> = []
        for entry in self.entries where AgentToken.constantTimeEquals(presented, entry.tokenSHA256) {
            roles.formUnion(entry.roles)
        }
        return roles
    }
}
