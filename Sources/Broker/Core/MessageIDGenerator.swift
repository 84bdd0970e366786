import Synchronization

/// Makes system-wide unique message ids for sends that bring none: a random 64-bit prefix per
/// process plus a counter, so ids never repeat across restarts or within one.
final class MessageIDGenerator: Sendable {
    private let prefix: String
    /// An atomic, not a lock: every send with no id of its own takes one, on any thread.
    private let counter = Atomic<UInt64>(0)

    init() {
        let random = UInt64.random(in: .min ... .max)
        let hex = String(random, radix: 16)
        self.prefix = "m-" + String(repeating: "0", count: 16 - hex.count) + hex + "-"
    }

    func next() -> String {
        let n = self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        return self.prefix + String(n, radix: 16)
    }
}
