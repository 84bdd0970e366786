import Testing

@testable import AgentCore

@Suite struct RequeueDeadRequestTests {
    @Test func readsIDsAndAgent() throws {
        let request = try RequeueDeadRequest(try requestBody(#"{"op":"requeue_dead","message_ids":["x"],"agent_id":"w"}"#))
        #expect(request.messageIDs == ["x"])
        #expect(request.agentID == "w")
    }

    @Test func missingIDsIsBadRequest() throws {
        let body = try requestBody(#"{"op":"requeue_dead"}"#)
        expectBadRequest(naming: "message_ids") { _ = try RequeueDeadRequest(body) }
    }

    @Test func badAgentIsBadRequest() throws {
        let body = try requestBody(#"{"op":"requeue_dead","message_ids":[],"agent_id":"no/slash"}"#)
        expectBadRequest(naming: "agent_id") { _ = try RequeueDeadRequest(body) }
    }
}
