import Testing

@testable import AgentCore

@Suite struct AckRequestTests {
    @Test func readsTheIDs() throws {
        let request = try AckRequest(try requestBody(#"{"op":"ack","message_ids":["a","b","a"]}"#))
        #expect(request.messageIDs == ["a", "b", "a"])
    }

    @Test func emptyListIsAccepted() throws {
        #expect(try AckRequest(try requestBody(#"{"op":"ack","message_ids":[]}"#)).messageIDs.isEmpty)
    }

    @Test func missingIDsIsBadRequest() throws {
        let body = try requestBody(#"{"op":"ack"}"#)
        expectBadRequest(naming: "message_ids") { _ = try AckRequest(body) }
    }

    @Test(arguments: [#""a""#, "7", "{}", "true"])
    func notAnArrayIsBadRequest(json: String) throws {
        let body = try requestBody("{\"op\":\"ack\",\"message_ids\":\(json)}")
        expectBadRequest(naming: "message_ids") { _ = try AckRequest(body) }
    }

    @Test func nonStringElementIsBadRequestNamingItsIndex() throws {
        let body = try requestBody(#"{"op":"ack","message_ids":["a",2]}"#)
        expectBadRequest(naming: "message_ids[1]") { _ = try AckRequest(body) }
    }

    @Test func tooManyIDsIsBadRequest() throws {
        let ids = Array(repeating: "\"x\"", count: AckRequest.maximumIDs + 1).joined(separator: ",")
        let body = try requestBody("{\"op\":\"ack\",\"message_ids\":[\(ids)]}")
        expectBadRequest(naming: "message_ids") { _ = try AckRequest(body) }
        let fits = try requestBody("{\"op\":\"ack\",\"message_ids\":[\(ids.dropFirst(4))]}")
        #expect(try AckRequest(fits).messageIDs.count == AckRequest.maximumIDs)
    }
}
