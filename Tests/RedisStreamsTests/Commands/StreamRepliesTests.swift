import Testing
import RedisStreams

@Suite struct StreamRepliesTests {
    static func entry(_ id: String, _ fields: [(String, String)]) -> RedisReply {
        .array([.text(id), .array(fields.flatMap { [RedisReply.text($0.0), .text($0.1)] })])
    }

    @Test func entriesDecode() throws {
        let reply = RedisReply.array([
            Self.entry("1-0", [("a", "1"), ("b", "2")]),
            .array([.text("2-0"), .bulk(nil)]),          // deleted while pending
            Self.entry("3-0", []),
        ])
        let entries = try StreamReplies.entries(reply)
        #expect(entries.map(\.id) == ["1-0", "2-0", "3-0"])
        #expect(entries[0].field("b") == Array("2".utf8))
        #expect(entries[0].field("zz") == nil)
        #expect(entries[0].fields.map(\.0) == ["a", "b"])
        #expect(entries[0].fields.map(\.1) == [Array("1".utf8), Array("2".utf8)])
        #expect(entries[1].fields.isEmpty)
        #expect(entries[2].fields.isEmpty)
        #expect(try StreamReplies.entries(.array([])).isEmpty)
        #expect(try StreamReplies.entries(.bulk(nil)).isEmpty)
    }

    @Test func binaryFieldValues() throws {
        let reply = RedisReply.array([.array([.text("1-0"), .array([.text("p"), .bulk([0x00, 0xFF, 0x0D, 0x0A])])])])
        #expect(try StreamReplies.entries(reply).first?.field("p") == [0x00, 0xFF, 0x0D, 0x0A])
    }

    @Test func decodeErrors() {
        func failure(_ body: () throws(RedisStreamsError) -> Void) -> RedisStreamsError? {
            do { try body(); return nil } catch { return error }
        }
        let notArray = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.integer(3)) }
        #expect(notArray?.kind == .protocolError)
        #expect(notArray?.message == "entries: expected array, got integer")

        let badPair = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.array([.array([.text("1-0")])])) }
        #expect(badPair?.message == "entries: expected array of 2 elements, got array of 1 elements")

        let odd = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.array([.array([.text("1-0"), .array([.text("f")])])])) }
        #expect(odd?.message == "entries: entry 1-0 has an odd number (1) of field/value elements")

        let badID = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.array([.array([.integer(1), .array([])])])) }
        #expect(badID?.message == "entries: expected entry ID as bulk string, got integer")

        let server = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.error("ERR no such key")) }
        #expect(server?.kind == .serverError)
        #expect(server?.message == "entries: ERR no such key")
    }
}
