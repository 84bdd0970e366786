import Testing

@testable import AgentCore

@Suite struct HelloRequestTests {
    @Test func readsAgentAndToken() throws {
        let request = try HelloRequest(try requestBody(#"{"op":"hello","agent_id":"worker-1","token":"s3cret"}"#))
        #expect(request.agentID == "worker-1")
        #expect(request.token == "s3cret")
    }

    @Test func tokenIsOptional() throws {
        #expect(try HelloRequest(try requestBody(#"{"op":"hello","agent_id":"a"}"#)).token == nil)
    }

    @Test func missingAgentIsBadRequest() throws {
        let body = try requestBody(#"{"op":"hello"}"#)
        expectBadRequest(naming: "agent_id") { _ = try HelloRequest(body) }
    }

    @Test(arguments: [#""""#, "1", #""a b""#, #""caf\u00e9""#, #""\#(String(repeating: "a", count: 129))""#])
    func invalidAgentIsBadRequest(json: String) throws {
        let body = try requestBody("{\"op\":\"hello\",\"agent_id\":\(json)}")
        expectBadRequest(naming: "agent_id") { _ = try HelloRequest(body) }
    }

    @Test(arguments: ["a", "A.b_c:d@e-f", String(repeating: "9", count: 128)])
    func validAgentIsAccepted(id: String) throws {
        #expect(try HelloRequest(try requestBody("{\"op\":\"hello\",\"agent_id\":\"\(id)\"}")).agentID == id)
    }

    @Test func badTokenIsBadRequest() throws {
        let number = try requestBody(#"{"op":"hello","agent_id":"a","token":5}"#)
        expectBadRequest(naming: "token") { _ = try HelloRequest(number) }
        let long = try requestBody("{\"op\":\"hello\",\"agent_id\":\"a\",\"token\":\"\(String(repeating: "t", count: 4_097))\"}")
        expectBadRequest(naming: "token") { _ = try HelloRequest(long) }
    }
}
