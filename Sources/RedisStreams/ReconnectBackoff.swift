/// Decides when a broken connection may be retried, so an outage yields fast failures instead
/// of every batch waiting for a connect timeout.
///
/// Delay starts at 50 ms after the first failure, doubles per further failure up to 1 s,
/// and resets on success. Value type; its owner confines it (``RedisLoopConnection``'s loop).
struct ReconnectBackoff {
    static let initialDelay: Duration = .milliseconds(50)
    static let maximumDelay: Duration = .seconds(1)

    private var nextDelay: Duration = ReconnectBackoff.initialDelay
    private(set) var retryAfter: ContinuousClock.Instant?

    /// Nil when a connect may be attempted at `now`; else how long until it may.
    func remainingWait(at now: ContinuousClock.Instant) -> Duration? {
        guard let retryAfter, now < retryAfter else { return nil }
        return retryAfter - now
    }

    mutating func recordFailure(at now: ContinuousClock.Instant) {
        retryAfter = now + nextDelay
        nextDelay = min(nextDelay * 2, Self.maximumDelay)
    }

    mutating func recordSuccess() {
        retryAfter = nil
        nextDelay = Self.initialDelay
    }
}
