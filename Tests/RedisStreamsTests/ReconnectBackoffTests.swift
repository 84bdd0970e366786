import Testing
@testable import RedisStreams

@Suite struct ReconnectBackoffTests {
    @Test func doublesUpToOneSecondAndResets() {
        var backoff = ReconnectBackoff()
        let start = ContinuousClock.now
        #expect(backoff.remainingWait(at: start) == nil)

        var delays: [Duration] = []
        for _ in 0..<7 {
            backoff.recordFailure(at: start)
            if let retryAfter = backoff.retryAfter { delays.append(retryAfter - start) }
        }
        #expect(delays == [.milliseconds(50), .milliseconds(100), .milliseconds(200), .milliseconds(400),
                           .milliseconds(800), .seconds(1), .seconds(1)])
        #expect(backoff.remainingWait(at: start) == .seconds(1))
        #expect(backoff.remainingWait(at: start + .seconds(1)) == nil)

        backoff.recordSuccess()
        #expect(backoff.remainingWait(at: start) == nil)
        backoff.recordFailure(at: start)
        #expect(backoff.retryAfter == start + .milliseconds(50))
    }
}
