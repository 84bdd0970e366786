import Testing

@testable import Broker

@Suite struct FailedHelloThrottleTests {
    @Test func delayDoublesUpToFiveSeconds() {
        let delays = (0...9).map { FailedHelloThrottle.delay(failuresInWindow: $0) }
        #expect(delays == [0, 100, 200, 400, 800, 1_600, 3_200, 5_000, 5_000, 5_000])
    }

    @Test func countsPerAddressWithinTheWindow() {
        var throttle = FailedHelloThrottle()
        #expect(throttle.recordFailure(from: "10.0.0.1", now: 0) == 100)
        #expect(throttle.recordFailure(from: "10.0.0.1", now: 10) == 200)
        // Another address starts from the beginning.
        #expect(throttle.recordFailure(from: "10.0.0.2", now: 20) == 100)
        #expect(throttle.recordFailure(from: "10.0.0.1", now: 30) == 400)
        // A minute after the first two, only the third still counts.
        #expect(throttle.recordFailure(from: "10.0.0.1", now: 60_015) == 200)
        #expect(throttle.total == 5)
    }

    @Test func manyFailuresStayBounded() {
        var throttle = FailedHelloThrottle()
        for step in 0..<100 {
            _ = throttle.recordFailure(from: "10.0.0.1", now: Int64(step))
        }
        #expect(throttle.recordFailure(from: "10.0.0.1", now: 100) == 5_000)
        #expect(throttle.total == 101)
    }

    @Test func addressesAreForgottenPastTheBound() {
        var throttle = FailedHelloThrottle()
        for index in 0..<(FailedHelloThrottle.maximumAddresses + 5) {
            _ = throttle.recordFailure(from: "a\(index)", now: Int64(index))
        }
        #expect(throttle.addressCount == FailedHelloThrottle.maximumAddresses)
        // The newest address is still remembered.
        #expect(throttle.recordFailure(from: "a\(FailedHelloThrottle.maximumAddresses + 4)", now: 20_000) == 200)
    }
}
