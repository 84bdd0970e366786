extension RedisCommand {
    /// `EVAL script numkeys key... arg...`.
    public static func eval(_ script: String, keys: [String] = [], arguments: [[UInt8]] = []) -> RedisCommand {
        scriptCall("EVAL", script, keys: keys, arguments: arguments)
    }

    /// `EVALSHA sha1 numkeys key... arg...`; answers `NOSCRIPT` when the server lacks the script
    /// (e.g. after a restart) — check ``RedisReply/isNoScriptError`` and fall back to EVAL or SCRIPT LOAD.
    public static func evalSHA(_ sha1: String, keys: [String] = [], arguments: [[UInt8]] = []) -> RedisCommand {
        scriptCall("EVALSHA", sha1, keys: keys, arguments: arguments)
    }

    /// `SCRIPT LOAD script`; the reply is the script's SHA1 (decode with ``StreamReplies/text(_:command:)``).
    public static func scriptLoad(_ script: String) -> RedisCommand {
        RedisCommand("SCRIPT", "LOAD", script)
    }

    private static func scriptCall(_ name: String, _ body: String, keys: [String], arguments: [[UInt8]]) -> RedisCommand {
        var command = RedisCommand(name, body)
        command.append(keys.count)
        for key in keys { command.append(key) }
        for argument in arguments { command.append(argument) }
        return command
    }
}

extension RedisReply {
    /// True for the `NOSCRIPT` error EVALSHA returns when the script is not cached on the server.
    public var isNoScriptError: Bool {
        errorMessage?.hasPrefix("NOSCRIPT") ?? false
    }
}
