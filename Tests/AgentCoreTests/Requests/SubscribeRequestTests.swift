import Testing

@testable import AgentCore

@Suite struct SubscribeRequestTests {
    @Test func defaultPrefetchIs100() throws {
        #expect(try SubscribeRequest(try requestBody(#"{"op":"subscribe"}"#)).prefetch == 100)
    }

    @Test func boundsAreAccepted() throws {
        #expect(try SubscribeRequest(try requestBody(#"{"op":"subscribe","prefetch":1}"#)).prefetch == 1)
        #expect(try SubscribeRequest(try requestBody(#"{"op":"subscribe","prefetch":10000}"#)).prefetch == 10_000)
    }

    @Test(arguments: ["0", "10001", "-5", #""5""#, "5.5"])
    func badPrefetchIsBadRequest(json: String) throws {
        let body = try requestBody("{\"op\":\"subscribe\",\"prefetch\":\(json)}")
        expectBadRequest(naming: "prefetch") { _ = try SubscribeRequest(body) }
    }

    @Test func configuredMaximumApplies() throws {
        let body = try requestBody(#"{"op":"subscribe","prefetch":20}"#)
        #expect(try SubscribeRequest(body, maximumPrefetch: 20).prefetch == 20)
        expectBadRequest(naming: "prefetch") { _ = try SubscribeRequest(body, maximumPrefetch: 19) }
    }
}
