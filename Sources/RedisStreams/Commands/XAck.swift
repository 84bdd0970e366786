extension RedisCommand {
    /// `XACK key group id [id ...]`; the reply is the number of entries acknowledged.
    public static func xack(_ key: String, group: String, ids: [String]) -> RedisCommand {
        RedisCommand("XACK", arguments: [key, group] + ids)
    }
}
