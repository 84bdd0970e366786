import Testing

@testable import AgentCore

/// The object a request line parses to; fails the test when `text` is not a JSON object.
func requestBody(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONObject {
    try #require(try JSONParser.parse(text).objectValue, sourceLocation: sourceLocation)
}

/// The error `body` throws, or nil when it succeeds (any other error type fails the test).
func requestError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> AgentdError? {
    do {
        try body()
        return nil
    } catch let error as AgentdError {
        return error
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Expects `body` to fail with `bad_request` whose message starts with the field's name.
func expectBadRequest(
    naming field: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    guard let error = requestError(sourceLocation: sourceLocation, body) else {
        Issue.record("expected bad_request naming \(field), but the request was accepted", sourceLocation: sourceLocation)
        return
    }
    #expect(error.code == .badRequest, sourceLocation: sourceLocation)
    #expect(error.message.hasPrefix(field + ":"), "message \"\(error.message)\" should name \(field)", sourceLocation: sourceLocation)
}
