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
        #expect(entries[1].fields.isEmpty && entries[1].isDeleted)
        #expect(entries[0] == StreamEntry(id: "1-0", fields: [("a", Array("1".utf8)), ("b", Array("2".utf8))]))
        #expect(try StreamReplies.entries(.array([])).isEmpty)
        #expect(try StreamReplies.entries(.bulk(nil)).isEmpty)
    }

    @Test func binaryFieldValues() throws {
        let reply = RedisReply.array([.array([.text("1-0"), .array([.text("p"), .bulk([0x00, 0xFF, 0x0D, 0x0A])])])])
        #expect(try StreamReplies.entries(reply).first?.field("p") == [0x00, 0xFF, 0x0D, 0x0A])
    }

    @Test func readGroupDecode() throws {
        let reply = RedisReply.array([
            .array([.text("s1"), .array([Self.entry("1-0", [("f", "v")])])]),
            .array([.text("s2"), .array([])]),
        ])
        let streams = try StreamReplies.readGroup(reply)
        #expect(streams.map(\.key) == ["s1", "s2"])
        #expect(streams[0].entries.map(\.id) == ["1-0"])
        #expect(streams[1].entries.isEmpty)
        #expect(try StreamReplies.readGroup(.bulk(nil)).isEmpty)
        #expect(try StreamReplies.readGroup(.array(nil)).isEmpty)
    }

    @Test func decodeErrors() {
        func failure(_ body: () throws(RedisStreamsError) -> Void) -> RedisStreamsError? {
            do { try body(); return nil } catch { return error }
        }
        let notArray = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.integer(3)) }
        #expect(notArray?.kind == .protocolError)
        #expect(notArray?.message == "entries: expected array, got integer")

        let badPair = failure { () throws(RedisStreamsError) in _ = try StreamReplies.readGroup(.array([.array([.text("s")])])) }
        #expect(badPair?.message == "XREADGROUP: expected array of 2 elements, got array of 1 elements")

        let odd = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.array([.array([.text("1-0"), .array([.text("f")])])])) }
        #expect(odd?.message == "entries: entry 1-0 has an odd number (1) of field/value elements")

        let badID = failure { () throws(RedisStreamsError) in _ = try StreamReplies.entries(.array([.array([.integer(1), .array([])])])) }
        #expect(badID?.message == "entries: expected entry ID as bulk string, got integer")

        let server = failure { () throws(RedisStreamsError) in _ = try StreamReplies.readGroup(.error("NOGROUP No such key")) }
        #expect(server?.kind == .serverError)
        #expect(server?.message == "XREADGROUP: NOGROUP No such key")
    }

    @Test func scalarDecoders() throws {
        #expect(try StreamReplies.addedID(.text("5-1")) == "5-1")
        #expect(try StreamReplies.count(.integer(2), command: "XACK") == 2)
        #expect(try StreamReplies.groupCreated(.status("OK")))
        #expect(try !StreamReplies.groupCreated(.error("BUSYGROUP Consumer Group name already exists")))
        #expect(throws: RedisStreamsError.self) { try StreamReplies.groupCreated(.error("ERR wrong")) }
        #expect(throws: RedisStreamsError.self) { try StreamReplies.addedID(.bulk(nil)) }
        #expect(throws: RedisStreamsError.self) { try StreamReplies.count(.text("1"), command: "XDEL") }
    }
}
