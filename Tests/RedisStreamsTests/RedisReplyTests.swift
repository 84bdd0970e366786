import Testing
import RedisStreams

@Suite struct RedisReplyTests {
    @Test func stringAccessor() {
        #expect(RedisReply.text("héllo").string == "héllo")
        #expect(RedisReply.status("OK").string == "OK")
        #expect(RedisReply.bulk([0x66, 0xFF]).string == "f\u{FFFD}")
        #expect(RedisReply.bulk(nil).string == nil)
        #expect(RedisReply.integer(3).string == nil)
        #expect(RedisReply.error("ERR x").string == nil)
    }

    @Test func intAccessor() {
        #expect(RedisReply.integer(-7).int == -7)
        #expect(RedisReply.text("42").int == 42)
        #expect(RedisReply.status("12").int == 12)
        #expect(RedisReply.text("4x").int == nil)
        #expect(RedisReply.bulk(nil).int == nil)
    }

    @Test func arrayNullAndError() {
        #expect(RedisReply.array([.integer(1)]).array == [.integer(1)])
        #expect(RedisReply.array(nil).array == nil)
        #expect(RedisReply.array(nil).isNull)
        #expect(RedisReply.bulk(nil).isNull)
        #expect(!RedisReply.array([]).isNull)
        #expect(!RedisReply.bulk([]).isNull)
        #expect(RedisReply.error("ERR boom").errorMessage == "ERR boom")
        #expect(RedisReply.status("OK").errorMessage == nil)
    }

    @Test func kindDescription() {
        #expect(RedisReply.integer(1).kindDescription == "integer")
        #expect(RedisReply.array([.integer(1), .integer(2)]).kindDescription == "array of 2 elements")
        #expect(RedisReply.bulk(nil).kindDescription == "null")
    }
}
