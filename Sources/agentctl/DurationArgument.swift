import ArgumentParser
import NIOCore

/// A duration on the command line: `500ms`, `30s`, `5m`, `2h`, `1d`; a bare number is
/// seconds, as for `sleep` and `timeout`.
struct DurationArgument: ExpressibleByArgument, Sendable {
    /// The duration in whole milliseconds, the unit of every `*_ms` field on the wire.
    let milliseconds: Int64

    /// The units, longest suffix first so `ms` is not read as `m`.
    private static let units: [(suffix: String, milliseconds: Double)] = [
        ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Parses `argument`; nil (a usage error) when it is not a duration.
    init?(argument: String) {
        var number = Substring(argument)
        var scale = 1_000.0
        for unit in Self.units where number.hasSuffix(unit.suffix) {
            number = number.dropLast(unit.suffix.count)
            scale = unit.milliseconds
            break
        }
        guard let value = Double(number), value.isFinite, value >= 0 else { return nil }
        let milliseconds = (value * scale).rounded()
        // Beyond a year agentd refuses anyway (366 days is its limit for ttl and delay);
        // the bound here only keeps the conversion to an integer safe.
        guard milliseconds <= 1e15 else { return nil }
        self.milliseconds = Int64(milliseconds)
    }

    /// The duration as the client library takes it.
    var timeAmount: TimeAmount {
        .milliseconds(self.milliseconds)
    }
}
