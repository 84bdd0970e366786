import Testing

@testable import Broker

/// The take script answers one string per message: `rank attempt entry-id id-length message-id`
/// and the body right after the message id.
@Suite struct TakenMessageDecodingTests {
    @Test func aPackedMessageDecodes() throws {
        // The length counts bytes: "é" is two.
        let body = #"{"content":{"text":"two words, and 3 4"}}"#
        let packed = Array("2 3 1796679719741-12 10 id with \u{e9}".utf8) + Array(body.utf8)
        let message = try #require(RedisStore.takenMessage(packed))
        #expect(message.ref == EntryRef(priority: .high, entryID: EntryID(high: 1_796_679_719_741, low: 12)))
        #expect(message.attempt == 3)
        #expect(message.messageID == "id with \u{e9}")
        #expect(message.body == Array(body.utf8))
    }

    @Test func anEmptyMessageIDAndBodyDecode() throws {
        let message = try #require(RedisStore.takenMessage(Array("4 1 0-1 0 ".utf8)))
        #expect(message.ref.priority == .low)
        #expect(message.messageID.isEmpty && message.body.isEmpty)
    }

    @Test(arguments: [
        "", "1", "1 1 0-1", "1 1 0-1 5 abc", "0 1 0-1 1 ab", "5 1 0-1 1 ab", "x 1 0-1 1 ab",
        "1 y 0-1 1 ab", "1 1 0_1 1 ab", "1 1 0-1 -1 ab", "1 1 0-1 99999999999999999999 ab",
    ])
    func malformedAnswersAreRefused(text: String) {
        #expect(RedisStore.takenMessage(Array(text.utf8)) == nil)
    }
}
