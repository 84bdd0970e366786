import NIOConcurrencyHelpers

/// Makes system-wide unique message ids for sends that bring none: a random 64-bit prefix per
/// process plus a counter, so ids never repeat across restarts or within one.
struct MessageIDGenerator: Sendable {
    private let prefix: String
    private let counter = NIOLockedValueBox<UInt64>(0)

    init() {
        let random = UInt64.random(in: .min ... .max)
        let hex = String(random, radix: 16)
        self.prefix = "m-" + String(repeating: "0", count: 16 - hex.count) + hex + "-"
    }

    func next() -> String {
        let n = self.counter.withLockedValue { value in
            value &+= 1
            return value
        }
        return self.prefix + String(n, radix: 16)
    }
}
