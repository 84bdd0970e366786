import Testing

@testable import AgentCore

private func decode(_ text: String) -> RequestEnvelope.Decoded {
    RequestEnvelope.decode(Array(text.utf8))
}

/// The rejection of `decoded`, or nil when it was accepted.
private func rejection(_ decoded: RequestEnvelope.Decoded) -> (id: RequestID?, error: AgentdError)? {
    if case .rejected(let id, let error) = decoded { return (id, error) }
    return nil
}

private func accepted(_ decoded: RequestEnvelope.Decoded) -> RequestEnvelope? {
    if case .request(let envelope) = decoded { return envelope }
    return nil
}

@Suite struct RequestEnvelopeTests {
    // MARK: bad_json

    @Test(arguments: [
        "ping",
        "{\"op\":\"ping\"",
        "{\"op\":\"ping\",}",
        "{'op':'ping'}",
        "{\"op\":\"ping\"} {}",
        "{\"op\":\"ping\",\"op\":\"bye\"}",
        "",
    ])
    func notJSONIsBadJSON(text: String) throws {
        let rejected = try #require(rejection(decode(text)))
        #expect(rejected.error.code == .badJSON)
        #expect(rejected.id == nil)
    }

    @Test(arguments: ["[]", "[{\"op\":\"ping\"}]", "\"ping\"", "7", "null", "true"])
    func notAnObjectIsBadJSON(text: String) throws {
        let rejected = try #require(rejection(decode(text)))
        #expect(rejected.error.code == .badJSON)
        #expect(rejected.error.message.contains("object"))
        #expect(rejected.id == nil)
    }

    @Test(arguments: [
        [0xFF],
        [0x7B, 0x22, 0x6F, 0x70, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D],  // {"op":"<C3 28>"}
        [0x7B, 0x22, 0x6F, 0x70, 0x22, 0x3A, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D],  // a UTF-16 surrogate
        [0x7B, 0x22, 0x6F, 0x70, 0x22, 0x3A, 0x22, 0xC0, 0xAF, 0x22, 0x7D],  // overlong "/"
        [0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xE2, 0x82, 0x22, 0x7D],  // truncated sequence
    ] as [[UInt8]])
    func invalidUTF8IsBadJSON(bytes: [UInt8]) throws {
        let rejected = try #require(rejection(RequestEnvelope.decode(bytes)))
        #expect(rejected.error.code == .badJSON)
        #expect(rejected.id == nil)
    }

    @Test func nestingBeyondTheLimitIsBadJSON() throws {
        let deep = "{\"op\":\"ping\",\"x\":" + String(repeating: "[", count: 10) + String(repeating: "]", count: 10) + "}"
        #expect(accepted(RequestEnvelope.decode(Array(deep.utf8), maximumDepth: 16)) != nil)
        let rejected = try #require(rejection(RequestEnvelope.decode(Array(deep.utf8), maximumDepth: 4)))
        #expect(rejected.error.code == .badJSON)
    }

    // MARK: bad_request on id and op

    @Test(arguments: [
        #"{"op":"ping","id":true}"#,
        #"{"op":"ping","id":[1]}"#,
        #"{"op":"ping","id":{"n":1}}"#,
        #"{"op":"ping","id":false}"#,
    ])
    func badIDTypeIsBadRequestWithNullID(text: String) throws {
        let rejected = try #require(rejection(decode(text)))
        #expect(rejected.error.code == .badRequest)
        #expect(rejected.error.message.hasPrefix("id"))
        #expect(rejected.id == nil)
    }

    @Test func missingOpIsBadRequestWithNullID() throws {
        // Even with a good id, the reply's id is null: the frame could not be read as a request.
        let rejected = try #require(rejection(decode(#"{"id":5}"#)))
        #expect(rejected.error.code == .badRequest)
        #expect(rejected.error.message.contains("op"))
        #expect(rejected.id == nil)
    }

    @Test(arguments: [
        #"{"id":"a","op":7}"#,
        #"{"id":"a","op":null}"#,
        #"{"id":"a","op":["ping"]}"#,
        #"{"id":"a","op":{"name":"ping"}}"#,
        #"{"id":"a","op":true}"#,
    ])
    func nonStringOpIsBadRequestWithNullID(text: String) throws {
        let rejected = try #require(rejection(decode(text)))
        #expect(rejected.error.code == .badRequest)
        #expect(rejected.error.message.contains("op"))
        #expect(rejected.id == nil)
    }

    // MARK: Accepted frames

    @Test func unknownOpIsAcceptedWithNilOp() throws {
        // unknown_op is the session's to report, after its authentication check.
        let envelope = try #require(accepted(decode(#"{"op":"launch_rockets","id":3}"#)))
        #expect(envelope.op == nil)
        #expect(envelope.opName == "launch_rockets")
        #expect(envelope.id == .number(JSONNumber(3)))
    }

    @Test func opNamesAreCaseSensitive() throws {
        let envelope = try #require(accepted(decode(#"{"op":"PING"}"#)))
        #expect(envelope.op == nil)
    }

    @Test(arguments: Op.allCases)
    func everyOpDecodesByItsWireName(op: Op) throws {
        let envelope = try #require(accepted(decode("{\"op\":\"\(op.rawValue)\"}")))
        #expect(envelope.op == op)
        #expect(envelope.opName == op.rawValue)
        #expect(envelope.id == nil)
    }

    @Test func onlyHelloAndPingAreAllowedBeforeHello() {
        #expect(Op.allCases.filter(\.allowedBeforeHello) == [.hello, .ping])
    }

    @Test(arguments: ["7", "0", "-3", "1e2", "1.50", "9223372036854775808", "123456789012345678901234567890"])
    func numberIDsKeepTheirText(literal: String) throws {
        let envelope = try #require(accepted(decode("{\"id\":\(literal),\"op\":\"ping\"}")))
        let id = try #require(envelope.id)
        #expect(id == .number(try #require(JSONNumber(literal: literal))))
        var writer = JSONWriter()
        id.write(to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == literal)
    }

    @Test(arguments: ["", "abc", "7", "é \u{1F600}", "with \"quotes\" and \\ and \n"])
    func stringIDsAreKept(value: String) throws {
        var writer = JSONWriter()
        writer.writeString(value)
        let frame = "{\"op\":\"ping\",\"id\":" + String(decoding: writer.bytes, as: UTF8.self) + "}"
        let envelope = try #require(accepted(decode(frame)))
        #expect(envelope.id == .string(value))
        // The reply writes it back as the same JSON string.
        let reply = try JSONParser.parse(Reply.success(id: envelope.id))
        #expect(reply["id"] == .string(value))
    }

    @Test func nullIDIsNoID() throws {
        let envelope = try #require(accepted(decode(#"{"op":"ping","id":null}"#)))
        #expect(envelope.id == nil)
        #expect(String(decoding: Reply.success(id: envelope.id), as: UTF8.self) == #"{"id":null,"ok":true}"#)
    }

    @Test func bodyKeepsEveryFieldIncludingUnknownOnes() throws {
        let envelope = try #require(accepted(decode(#"{"op":"fetch","limit":3,"zzz":{"a":[1]}}"#)))
        #expect(envelope.op == .fetch)
        #expect(envelope.body["limit"] == 3)
        #expect(envelope.body["zzz"] == ["a": [1]])
    }

    @Test func surroundingWhitespaceIsAllowed() throws {
        let envelope = try #require(accepted(decode(" \t{\"op\":\"ping\"}\t ")))
        #expect(envelope.op == .ping)
    }
}
