import Testing

@testable import AgentCore

@Suite struct DeadLettersRequestTests {
    @Test func defaults() throws {
        let request = try DeadLettersRequest(try requestBody(#"{"op":"dead_letters"}"#))
        #expect(request.limit == 100)
        #expect(request.agentID == nil)
    }

    @Test func readsLimitAndAgent() throws {
        let request = try DeadLettersRequest(try requestBody(#"{"op":"dead_letters","limit":1000,"agent_id":"w-1"}"#))
        #expect(request.limit == 1_000)
        #expect(request.agentID == "w-1")
    }

    @Test(arguments: ["0", "1001", #""10""#])
    func badLimitIsBadRequest(json: String) throws {
        let body = try requestBody("{\"op\":\"dead_letters\",\"limit\":\(json)}")
        expectBadRequest(naming: "limit") { _ = try DeadLettersRequest(body) }
    }

    @Test(arguments: [#""""#, #""a b""#, "7", #""\#(String(repeating: "a", count: 129))""#])
    func badAgentIsBadRequest(json: String) throws {
        let body = try requestBody("{\"op\":\"dead_letters\",\"agent_id\":\(json)}")
        expectBadRequest(naming: "agent_id") { _ = try DeadLettersRequest(body) }
    }
}
