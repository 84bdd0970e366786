import NIOCore
import Testing
@testable import RedisStreams

@Suite struct HiredisReaderTests {
    private func feed(_ reader: HiredisReader, _ text: String) throws {
        try reader.feed(ByteBuffer(string: text))
    }

    @Test func everyReplyKind() throws {
        let reader = try HiredisReader()
        try feed(reader, "+OK\r\n-ERR bad\r\n:42\r\n$4\r\na\r\nb\r\n$0\r\n\r\n$-1\r\n*2\r\n:1\r\n*1\r\n$1\r\nx\r\n*-1\r\n")
        var replies: [RedisReply] = []
        while let reply = try reader.next() {
            replies.append(reply)
        }
        #expect(replies == [
            .status("OK"), .error("ERR bad"), .integer(42), .bulk(Array("a\r\nb".utf8)), .bulk([]),
            .bulk(nil), .array([.integer(1), .array([.text("x")])]), .bulk(nil),
        ])
    }

    /// A reply cut anywhere across reads comes out whole, once.
    @Test func repliesSplitAcrossReads() throws {
        let wire = Array("*3\r\n$5\r\nhello\r\n:-7\r\n+PONG\r\n".utf8)
        for cut in 1..<wire.count {
            let reader = try HiredisReader()
            try reader.feed(ByteBuffer(bytes: wire[..<cut]))
            var replies: [RedisReply] = []
            while let reply = try reader.next() { replies.append(reply) }
            try reader.feed(ByteBuffer(bytes: wire[cut...]))
            while let reply = try reader.next() { replies.append(reply) }
            #expect(replies == [.array([.text("hello"), .integer(-7), .status("PONG")])], "cut at \(cut)")
        }
    }

    @Test func garbageIsAProtocolError() throws {
        let reader = try HiredisReader()
        try feed(reader, "?what\r\n")
        #expect {
            _ = try reader.next()
        } throws: { error in
            (error as? RedisStreamsError)?.kind == .protocolError
        }
    }
}
