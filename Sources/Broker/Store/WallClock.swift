import Foundation

/// Wall-clock time in epoch milliseconds, for timestamps and TTLs (timers use NIO's monotonic
/// `NIODeadline` instead, so a clock step never fires them early or late).
public enum WallClock {
    /// Milliseconds since the Unix epoch, now.
    @Sendable public static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }
}
