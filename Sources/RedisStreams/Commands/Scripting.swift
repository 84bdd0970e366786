extension RedisCommand {
    /// `SCRIPT LOAD script`; the reply is the script's SHA1 as a bulk string (``RedisReply/string``).
    public static func scriptLoad(_ script: String) -> RedisCommand {
        RedisCommand("SCRIPT", "LOAD", script)
    }
}

extension RedisReply {
    /// True for the `NOSCRIPT` error EVALSHA returns when the script is not cached on the server
    /// (e.g. after a restart): run it again with EVAL, or SCRIPT LOAD it.
    public var isNoScriptError: Bool {
        errorMessage?.hasPrefix("NOSCRIPT") ?? false
    }
}
