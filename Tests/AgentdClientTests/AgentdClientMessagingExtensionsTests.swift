import AgentCore
import AgentdClient
import NIOCore
import Testing

/// The agent-native messaging ops through the Swift client: `nack(deadLetter:)`,
/// `traceparent`, `requestReply`.
@Suite struct AgentdClientMessagingExtensionsTests {
    @Test func requestReplyDeadLetterAndTraceparent() async throws {
        let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let server = try await InProcessServer.start()
        let asker = try await AgentdClient.connect(port: server.port)
        let helper = try await AgentdClient.connect(port: server.port)
        try await asker.hello(agentID: "asker")
        try await helper.hello(agentID: "helper")

        let serving = Task {
            let asked = try await helper.fetch(wait: .seconds(5))
            let question = try #require(asked.first)
            #expect(question.object["reply_to"] == "asker")
            #expect(question.object["traceparent"] == .string(trace))
            let correlation = try #require(question.object["correlation_id"]?.stringValue)
            try await helper.send(to: "asker", type: "task_response", content: ["answer": 42], correlationID: correlation)
            try await helper.ack([question.messageID])
        }
        let answered = try await asker.requestReply(to: "helper", content: ["q": 1], traceparent: trace, timeout: .seconds(10))
        try await serving.value
        #expect(!answered.messageID.isEmpty)
        #expect(answered.reply?.content == ["answer": 42])
        #expect(answered.reply?.fromAgent == "helper")

        let unanswered = try await asker.requestReply(to: "nobody", timeout: .milliseconds(100))
        #expect(unanswered.reply == nil)

        try await helper.send(to: "asker", content: ["bad": true], messageID: "poison")
        let poison = try await asker.fetch(wait: .seconds(1))
        #expect(poison.map(\.messageID) == ["poison"])
        #expect(try await asker.nack(["poison"], deadLetter: true) == 1)
        #expect(try await asker.fetch().isEmpty)

        await asker.close()
        await helper.close()
        await server.stop()
    }
}
