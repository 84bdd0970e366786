extension RedisCommand {
    /// `XDEL key id [id ...]`; the reply is the number of entries deleted.
    public static func xdel(_ key: String, ids: [String]) -> RedisCommand {
        RedisCommand("XDEL", arguments: [key] + ids)
    }
}
