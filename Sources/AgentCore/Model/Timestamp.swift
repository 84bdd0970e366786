/// A wall-clock instant in milliseconds since the Unix epoch, written as RFC 3339 UTC with
/// exactly three fraction digits (`2026-11-25T10:31:00.123Z`), the only time form on the wire.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var millisecondsSinceEpoch: Int64

    /// Creates a timestamp from milliseconds since the epoch.
    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    /// Orders by time.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// This instant plus `milliseconds`.
    public func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: self.millisecondsSinceEpoch &+ milliseconds)
    }

    /// The RFC 3339 form.
    public var description: String {
        String(decoding: self.rfc3339Bytes, as: UTF8.self)
    }

    /// The RFC 3339 form as ASCII bytes (no Foundation: this is on the hot path).
    public var rfc3339Bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(24)
        self.appendRFC3339(to: &out)
        return out
    }

    /// Appends the RFC 3339 form to `out`: a message being written needs no array of its own.
    public func appendRFC3339(to out: inout [UInt8]) {
        let ms = self.millisecondsSinceEpoch
        let days = floorDivide(ms, 86_400_000)
        let msOfDay = ms - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        appendDigits(&out, year, width: 4)
        out.append(UInt8(ascii: "-"))
        appendDigits(&out, month, width: 2)
        out.append(UInt8(ascii: "-"))
        appendDigits(&out, day, width: 2)
        out.append(UInt8(ascii: "T"))
        appendDigits(&out, msOfDay / 3_600_000, width: 2)
        out.append(UInt8(ascii: ":"))
        appendDigits(&out, msOfDay / 60_000 % 60, width: 2)
        out.append(UInt8(ascii: ":"))
        appendDigits(&out, msOfDay / 1_000 % 60, width: 2)
        out.append(UInt8(ascii: "."))
        appendDigits(&out, msOfDay % 1_000, width: 3)
        out.append(UInt8(ascii: "Z"))
    }
}

private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

/// Days since the epoch to a proleptic Gregorian date (Howard Hinnant's well-known algorithm).
private func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
    let z = z0 + 719_468
    let era = floorDivide(z, 146_097)
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day)
}

/// Appends `value` as exactly `width` decimal digits (zero-padded; higher digits dropped).
private func appendDigits(_ out: inout [UInt8], _ value: Int64, width: Int) {
    var divisor: Int64 = 1
    for _ in 1..<width { divisor *= 10 }
    var v = value
    while divisor > 0 {
        out.append(UInt8(ascii: "0") + UInt8((v / divisor) % 10))
        v %= divisor
        divisor /= 10
    }
}
