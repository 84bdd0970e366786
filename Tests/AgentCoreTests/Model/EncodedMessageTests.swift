import Testing

@testable import AgentCore

private let at = Timestamp(millisecondsSinceEpoch: 1_795_602_660_123)

/// A stored message as `send` writes it.
private func storedMessage() throws -> [UInt8] {
    let body = try #require(
        try JSONParser.parse(
            #"{"message":{"to_agent":"w1","message_type":"task_request","content":{"n":9223372036854775807,"s":"}"}}}"#
        ).objectValue
    )
    return try SendRequest(body).storedJSON(messageID: "m-1", fromAgent: "sup", timestamp: Timestamp(millisecondsSinceEpoch: 0))
}

@Suite struct EncodedMessageTests {
    @Test func deliveredAddsTheDeliveryObject() throws {
        let stored = try storedMessage()
        let bytes = EncodedMessage.delivered(stored, attempt: 3, at: at)
        let message = try #require(try JSONParser.parse(bytes).objectValue)
        let original = try #require(try JSONParser.parse(stored).objectValue)
        #expect(message.keys == original.keys + ["delivery"])
        #expect(message["delivery"] == ["attempt": 3, "delivered_at": "2026-11-25T10:31:00.123Z"])
        for (key, value) in original {
            #expect(message[key] == value, "field \(key) changed")
        }
        #expect(message["content"]?["n"]?.numberValue?.text == "9223372036854775807")
        // Splicing keeps the stored bytes untouched: only the closing brace moves.
        #expect(Array(bytes.prefix(stored.count - 1)) == Array(stored.dropLast()))
        #expect(bytes.last == UInt8(ascii: "}"))
    }

    @Test func deadAddsTheDeadObject() throws {
        let stored = try storedMessage()
        let bytes = EncodedMessage.dead(stored, reason: "max_deliveries \"x\"", attempts: 5, at: at)
        let message = try #require(try JSONParser.parse(bytes).objectValue)
        #expect(message.keys.last == "dead")
        #expect(message["dead"] == ["reason": "max_deliveries \"x\"", "attempts": 5, "at": "2026-11-25T10:31:00.123Z"])
        #expect(message["message_id"] == "m-1")
        #expect(message["delivery"] == nil)
    }

    @Test func emptyObjectGetsNoLeadingComma() throws {
        let delivered = EncodedMessage.delivered(Array("{}".utf8), attempt: 1, at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(String(decoding: delivered, as: UTF8.self) == #"{"delivery":{"attempt":1,"delivered_at":"1970-01-01T00:00:00.000Z"}}"#)
        let dead = EncodedMessage.dead(Array("{}".utf8), reason: "r", attempts: 2, at: Timestamp(millisecondsSinceEpoch: 0))
        #expect(try JSONParser.parse(dead) == ["dead": ["reason": "r", "attempts": 2, "at": "1970-01-01T00:00:00.000Z"]])
    }

    @Test(arguments: ["", "[]", "{", "nonsense", "7"])
    func nonObjectInputStillYieldsValidJSON(input: String) throws {
        let delivered = EncodedMessage.delivered(Array(input.utf8), attempt: 1, at: at)
        #expect(try JSONParser.parse(delivered)["delivery"]?["attempt"] == 1)
        let dead = EncodedMessage.dead(Array(input.utf8), reason: "r", attempts: 1, at: at)
        #expect(try JSONParser.parse(dead)["dead"]?["attempts"] == 1)
    }

    @Test func messageEventWrapsTheMessage() throws {
        let delivered = EncodedMessage.delivered(try storedMessage(), attempt: 1, at: at)
        let event = try #require(try JSONParser.parse(Reply.messageEvent(delivered)).objectValue)
        #expect(event.keys == ["event", "message"])
        #expect(event["event"] == "message")
        #expect(event["ok"] == nil)
        #expect(event["message"] == (try JSONParser.parse(delivered)))
    }
}
