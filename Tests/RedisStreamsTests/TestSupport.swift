import RedisStreams

extension RedisCommand {
    /// Arguments as text, for readable expectations.
    var strings: [String] { arguments.map { String(decoding: $0, as: UTF8.self) } }
}

extension RedisReply {
    static func text(_ s: String) -> RedisReply { .bulk(Array(s.utf8)) }
}
