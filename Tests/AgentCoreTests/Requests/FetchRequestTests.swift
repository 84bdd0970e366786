import Testing

@testable import AgentCore

@Suite struct FetchRequestTests {
    @Test func defaults() throws {
        let request = try FetchRequest(try requestBody(#"{"op":"fetch"}"#))
        #expect(request.limit == 10)
        #expect(request.waitMilliseconds == 0)
    }

    @Test func boundsAreAccepted() throws {
        let low = try FetchRequest(try requestBody(#"{"op":"fetch","limit":1,"wait_ms":0}"#))
        #expect(low.limit == 1)
        #expect(low.waitMilliseconds == 0)
        let high = try FetchRequest(try requestBody(#"{"op":"fetch","limit":1000,"wait_ms":30000}"#))
        #expect(high.limit == 1_000)
        #expect(high.waitMilliseconds == 30_000)
    }

    @Test(arguments: [#""10""#, "10.0", "1e1", "true", "[10]", "{}"])
    func limitMustBeAnInteger(json: String) throws {
        let body = try requestBody("{\"op\":\"fetch\",\"limit\":\(json)}")
        expectBadRequest(naming: "limit") { _ = try FetchRequest(body) }
    }

    @Test(arguments: [#""100""#, "0.5", "false"])
    func waitMustBeAnInteger(json: String) throws {
        let body = try requestBody("{\"op\":\"fetch\",\"wait_ms\":\(json)}")
        expectBadRequest(naming: "wait_ms") { _ = try FetchRequest(body) }
    }

    @Test(arguments: [("limit", 0), ("limit", 1_001), ("limit", -1), ("wait_ms", -1), ("wait_ms", 30_001)])
    func outOfRangeIsBadRequest(field: String, value: Int) throws {
        let body = try requestBody("{\"op\":\"fetch\",\"\(field)\":\(value)}")
        expectBadRequest(naming: field) { _ = try FetchRequest(body) }
    }

    @Test func configuredMaximaApply() throws {
        let body = try requestBody(#"{"op":"fetch","limit":50,"wait_ms":200}"#)
        let request = try FetchRequest(body, maximumLimit: 50, maximumWait: 200)
        #expect(request.limit == 50)
        expectBadRequest(naming: "limit") { _ = try FetchRequest(body, maximumLimit: 49) }
        expectBadRequest(naming: "wait_ms") { _ = try FetchRequest(body, maximumWait: 199) }
    }

    @Test func outOfRangeMessageNamesTheRange() throws {
        let body = try requestBody(#"{"op":"fetch","limit":5000}"#)
        let error = try #require(requestError { _ = try FetchRequest(body) })
        #expect(error.message.contains("1...1000"))
    }
}
