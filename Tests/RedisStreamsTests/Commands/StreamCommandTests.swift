import Testing
import RedisStreams

@Suite struct StreamCommandTests {
    @Test func xadd() {
        let plain = RedisCommand.xadd("s", fields: [("a", Array("1".utf8)), ("b", [0x00, 0xFF])])
        #expect(plain.arguments == [Array("XADD".utf8), Array("s".utf8), Array("*".utf8),
                                    Array("a".utf8), Array("1".utf8), Array("b".utf8), [0x00, 0xFF]])
        let capped = RedisCommand.xadd("s", fields: [("a", [])], maxLength: 1000)
        #expect(capped.strings == ["XADD", "s", "MAXLEN", "~", "1000", "*", "a", ""])
    }

    @Test func xreadgroup() {
        let one = RedisCommand.xreadgroup(group: "g", consumer: "c1", count: 10, key: "s")
        #expect(one.strings == ["XREADGROUP", "GROUP", "g", "c1", "COUNT", "10", "STREAMS", "s", ">"])
        let two = RedisCommand.xreadgroup(group: "g", consumer: "c", count: 1, streams: [(key: "a", id: "0"), (key: "b", id: ">")])
        #expect(two.strings == ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "a", "b", "0", ">"])
    }

    @Test func xackAndXdel() {
        #expect(RedisCommand.xack("s", group: "g", ids: ["1-0", "2-0"]).strings == ["XACK", "s", "g", "1-0", "2-0"])
        #expect(RedisCommand.xdel("s", ids: ["1-0"]).strings == ["XDEL", "s", "1-0"])
    }

    @Test func xpending() {
        #expect(RedisCommand.xpending("s", group: "g", count: 5).strings == ["XPENDING", "s", "g", "-", "+", "5"])
        let full = RedisCommand.xpending("s", group: "g", start: "1-0", end: "9-0", count: 2, consumer: "c", minIdleMilliseconds: 3000)
        #expect(full.strings == ["XPENDING", "s", "g", "IDLE", "3000", "1-0", "9-0", "2", "c"])
    }

    @Test func xclaim() {
        #expect(RedisCommand.xclaim("s", group: "g", consumer: "c", minIdleMilliseconds: 60000, ids: ["1-0", "2-0"]).strings
                == ["XCLAIM", "s", "g", "c", "60000", "1-0", "2-0"])
        #expect(RedisCommand.xclaim("s", group: "g", consumer: "c", minIdleMilliseconds: 0, ids: ["1-0"], justID: true).strings
                == ["XCLAIM", "s", "g", "c", "0", "1-0", "JUSTID"])
    }

    @Test func xgroupCreate() {
        #expect(RedisCommand.xgroupCreate("s", group: "g").strings == ["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"])
        #expect(RedisCommand.xgroupCreate("s", group: "g", id: "0").strings == ["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"])
    }

    @Test func scripting() {
        #expect(RedisCommand.eval("return 1").strings == ["EVAL", "return 1", "0"])
        #expect(RedisCommand.eval("return KEYS[1]", keys: ["k1", "k2"], arguments: [[0x00]]).arguments
                == [Array("EVAL".utf8), Array("return KEYS[1]".utf8), Array("2".utf8), Array("k1".utf8), Array("k2".utf8), [0x00]])
        #expect(RedisCommand.evalSHA("abc", keys: ["k"]).strings == ["EVALSHA", "abc", "1", "k"])
        #expect(RedisCommand.scriptLoad("return 1").strings == ["SCRIPT", "LOAD", "return 1"])
        #expect(RedisReply.error("NOSCRIPT No matching script.").isNoScriptError)
        #expect(!RedisReply.error("ERR other").isNoScriptError)
    }
}
