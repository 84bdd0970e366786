import NIOConcurrencyHelpers

/// Counts events over the last 60 seconds in one-second buckets (`messages_per_minute`).
final class RateWindow: Sendable {
    private struct Buckets {
        var counts = [Int](repeating: 0, count: 60)
        var seconds = [Int64](repeating: -1, count: 60)
    }

    private let buckets = NIOLockedValueBox(Buckets())

    /// Records `count` events at `nowMilliseconds`.
    func record(_ count: Int = 1, nowMilliseconds: Int64) {
        let second = nowMilliseconds / 1_000
        let slot = Int(second % 60)
        self.buckets.withLockedValue { b in
            if b.seconds[slot] != second {
                b.seconds[slot] = second
                b.counts[slot] = 0
            }
            b.counts[slot] += count
        }
    }

    /// Events in the 60 seconds up to `nowMilliseconds`.
    func total(nowMilliseconds: Int64) -> Int {
        let second = nowMilliseconds / 1_000
        return self.buckets.withLockedValue { b in
            var sum = 0
            for i in 0..<60 where b.seconds[i] > second - 60 && b.seconds[i] <= second {
                sum += b.counts[i]
            }
            return sum
        }
    }
}
