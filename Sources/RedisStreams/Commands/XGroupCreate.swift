extension RedisCommand {
    /// `XGROUP CREATE key group id MKSTREAM`: creates the group (and the stream if missing).
    /// `id` `$` delivers only entries added later; `0` delivers the whole stream.
    public static func xgroupCreate(_ key: String, group: String, id: String = "$") -> RedisCommand {
        RedisCommand("XGROUP", "CREATE", key, group, id, "MKSTREAM")
    }
}

extension StreamReplies {
    /// Decodes XGROUP CREATE: true when created, false when the group already existed
    /// (`BUSYGROUP`, harmless for idempotent setup); other errors throw.
    public static func groupCreated(_ r: RedisReply) throws(RedisStreamsError) -> Bool {
        if let message = r.errorMessage, message.hasPrefix("BUSYGROUP") { return false }
        try serverCheck(r, "XGROUP CREATE")
        guard case .status = r else { throw mismatch("XGROUP CREATE", expected: "status", got: r) }
        return true
    }
}
