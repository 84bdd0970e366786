extension RedisCommand {
    /// `XREADGROUP GROUP group consumer COUNT n STREAMS key... id...` without BLOCK: the client's
    /// single connection is shared, so a blocking read would stall every other caller.
    ///
    /// Use id `>` for new messages, or an explicit ID to re-read this consumer's pending entries.
    public static func xreadgroup(group: String, consumer: String, count: Int, streams: [(key: String, id: String)]) -> RedisCommand {
        var command = RedisCommand("XREADGROUP", "GROUP", group, consumer, "COUNT")
        command.append(count)
        command.append("STREAMS")
        for stream in streams { command.append(stream.key) }
        for stream in streams { command.append(stream.id) }
        return command
    }

    /// Single-stream form of ``xreadgroup(group:consumer:count:streams:)``.
    public static func xreadgroup(group: String, consumer: String, count: Int, key: String, id: String = ">") -> RedisCommand {
        xreadgroup(group: group, consumer: consumer, count: count, streams: [(key: key, id: id)])
    }
}
