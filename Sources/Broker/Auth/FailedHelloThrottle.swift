/// How long to hold back the reply to a failed `hello`, per source address: 100 ms for the
/// first failure in the last minute, doubling with each further one, at most 5 s.
///
/// Token guessing over one connection is already bounded by in-order replies; this makes
/// guessing over many connections from one address slow too, without ever blocking a loop
/// (the caller schedules the reply). A pure value: `HelloAuthenticator` holds it under a lock
/// and passes the time in, so tests need no clock.
struct FailedHelloThrottle: Sendable {
    /// Failures older than this are forgotten (ms).
    static let windowMilliseconds: Int64 = 60_000
    /// Delay of the first failure in the window (ms).
    static let baseDelayMilliseconds: Int64 = 100
    /// The delay never grows past this (ms), so a legitimate agent with a stale token still
    /// gets its answer in reasonable time.
    static let maximumDelayMilliseconds: Int64 = 5_000
    /// Failures remembered per address: the delay is already at its maximum from the 7th
    /// (100 ms × 2⁶ > 5 s), so more would cost memory and tell nothing.
    static let keptPerAddress = 8
    /// Addresses remembered at once; bounds memory when many addresses fail. Past it the
    /// addresses quiet for the longest are forgotten first.
    static let maximumAddresses = 10_000

    /// Recent failure times (ms, monotonic), oldest first, per address.
    private var failures: [String: [Int64]] = [:]
    /// Every failure counted since start (`stats.server.auth_failures_total`).
    private(set) var total = 0

    /// Addresses with failures remembered now.
    var addressCount: Int { self.failures.count }

    /// Counts a failed hello from `address` at `now` (ms) and returns how long its reply waits (ms).
    mutating func recordFailure(from address: String, now: Int64) -> Int64 {
        self.total += 1
        var recent = (self.failures[address] ?? []).filter { now - $0 < Self.windowMilliseconds }
        recent.append(now)
        if recent.count > Self.keptPerAddress {
            recent.removeFirst(recent.count - Self.keptPerAddress)
        }
        self.failures[address] = recent
        if self.failures.count > Self.maximumAddresses {
            self.forgetOldAddresses(now: now)
        }
        return Self.delay(failuresInWindow: recent.count)
    }

    /// `min(100 ms × 2^(failures − 1), 5 s)`.
    static func delay(failuresInWindow count: Int) -> Int64 {
        guard count > 0 else { return 0 }
        // Capped before shifting: 2^6 × 100 ms is already past the maximum.
        let doublings = min(count - 1, 6)
        return min(Self.baseDelayMilliseconds << Int64(doublings), Self.maximumDelayMilliseconds)
    }

    /// Drops addresses whose last failure left the window; if that is not enough, the one
    /// quiet for the longest.
    private mutating func forgetOldAddresses(now: Int64) {
        self.failures = self.failures.filter { _, times in
            guard let last = times.last else { return false }
            return now - last < Self.windowMilliseconds
        }
        while self.failures.count > Self.maximumAddresses,
              let oldest = self.failures.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) }) {
            self.failures[oldest.key] = nil
        }
    }
}
