import Testing
import RedisStreams

@Suite struct ScriptingTests {
    @Test func scriptLoad() {
        #expect(RedisCommand.scriptLoad("return 1").strings == ["SCRIPT", "LOAD", "return 1"])
    }

    @Test func noScriptError() {
        #expect(RedisReply.error("NOSCRIPT No matching script.").isNoScriptError)
        #expect(!RedisReply.error("ERR other").isNoScriptError)
        #expect(!RedisReply.text("NOSCRIPT").isNoScriptError)
    }
}
