import Testing

@testable import AgentCore

@Suite struct NackRequestTests {
    @Test func defaults() throws {
        let request = try NackRequest(try requestBody(#"{"op":"nack","message_ids":["m"]}"#))
        #expect(request.messageIDs == ["m"])
        #expect(request.delayMilliseconds == 0)
        #expect(request.deadLetter == false)
    }

    @Test func readsDeadLetter() throws {
        #expect(try NackRequest(try requestBody(#"{"op":"nack","message_ids":["m"],"dead_letter":true}"#)).deadLetter)
    }

    @Test(arguments: [#""true""#, "1"])
    func badDeadLetterIsBadRequest(json: String) throws {
        let body = try requestBody("{\"op\":\"nack\",\"message_ids\":[\"m\"],\"dead_letter\":\(json)}")
        expectBadRequest(naming: "dead_letter") { _ = try NackRequest(body) }
    }

    @Test func readsTheDelay() throws {
        #expect(try NackRequest(try requestBody(#"{"op":"nack","message_ids":[],"delay_ms":250}"#)).delayMilliseconds == 250)
    }

    @Test func missingIDsIsBadRequest() throws {
        let body = try requestBody(#"{"op":"nack","delay_ms":5}"#)
        expectBadRequest(naming: "message_ids") { _ = try NackRequest(body) }
    }

    @Test(arguments: [#""250""#, "-1", "2.5", "true"])
    func badDelayIsBadRequest(json: String) throws {
        let body = try requestBody("{\"op\":\"nack\",\"message_ids\":[\"m\"],\"delay_ms\":\(json)}")
        expectBadRequest(naming: "delay_ms") { _ = try NackRequest(body) }
    }
}
