extension RedisCommand {
    /// `XCLAIM key group consumer min-idle-time id [id ...] [JUSTID]`.
    ///
    /// Only entries idle at least `minIdleMilliseconds` are claimed, so two consumers racing to
    /// claim the same entry cannot both win. Decode with ``StreamReplies/entries(_:)``
    /// (or as an array of IDs when `justID` is set).
    public static func xclaim(
        _ key: String, group: String, consumer: String, minIdleMilliseconds: Int, ids: [String], justID: Bool = false
    ) -> RedisCommand {
        var command = RedisCommand("XCLAIM", key, group, consumer)
        command.append(minIdleMilliseconds)
        for id in ids { command.append(id) }
        if justID { command.append("JUSTID") }
        return command
    }
}
