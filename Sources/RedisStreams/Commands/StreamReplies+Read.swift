extension StreamReplies {
    /// Decodes an XREADGROUP/XREAD reply of one stream: `[[key, [[id, [f, v, ...]], ...]]]`, or
    /// null when nothing was read. The entries of every stream named are returned in order.
    public static func read(_ r: RedisReply) throws(RedisStreamsError) -> [StreamEntry] {
        let command = "read"
        if r.isNull { return [] }
        var result: [StreamEntry] = []
        for stream in try array(r, command) {
            let pair = try array(stream, command, count: 2)
            result += try entries(pair[1])
        }
        return result
    }
}
