extension AgentdConfiguration {
    /// The `[redis_auth]` table: how agentd logs in to Redis.
    ///
    /// A table of its own rather than `[redis]` because the top-level key `redis` already holds
    /// the address, and TOML cannot have `redis` be both a string and a table.
    public struct RedisAuth: Sendable, Equatable {
        /// `password` (`AGENTD_REDIS_AUTH_PASSWORD`): sent with `AUTH`; nil (file: `""`) = no AUTH.
        /// Default none. Never printed in errors.
        public var password: String?
        /// `username` (`AGENTD_REDIS_AUTH_USERNAME`): the Redis 6 ACL user; nil = `default`. Default none.
        public var username: String?
        /// `database` (`AGENTD_REDIS_AUTH_DATABASE`): the `SELECT`ed database; ≥ 0. Default 0.
        public var database: Int

        /// No credentials, database 0.
        public init(password: String? = nil, username: String? = nil, database: Int = 0) {
            self.password = password
            self.username = username
            self.database = database
        }
    }
}
