extension RedisCommand {
    /// `XADD key [MAXLEN ~ n] id field value [field value ...]`.
    ///
    /// `maxLength` trims approximately (`~`), which lets Redis trim whole radix-tree nodes cheaply.
    /// `id` defaults to `*` (server-generated, increasing).
    public static func xadd(_ key: String, fields: [(String, [UInt8])], maxLength: Int? = nil, id: String = "*") -> RedisCommand {
        var command = RedisCommand("XADD", key)
        if let maxLength {
            command.append("MAXLEN")
            command.append("~")
            command.append(maxLength)
        }
        command.append(id)
        for (name, value) in fields {
            command.append(name)
            command.append(value)
        }
        return command
    }
}

extension StreamReplies {
    /// Decodes XADD's reply: the new entry's ID.
    public static func addedID(_ r: RedisReply) throws(RedisStreamsError) -> String {
        try text(r, command: "XADD")
    }
}
