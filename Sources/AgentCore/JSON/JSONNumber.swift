/// A JSON number kept as its literal text, so integers up to and beyond 2^63 round-trip exactly.
///
/// Equality and hashing compare the literal text: `1`, `1.0` and `1e0` are three
/// different values. That is what makes re-serialization byte-exact.
public struct JSONNumber: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The literal exactly as parsed, e.g. `"9223372036854775807"` or `"-1.5e3"`.
    public let text: String

    /// A number whose text is the decimal form of `value`.
    public init(_ value: Int) {
        self.text = String(value)
    }

    /// A number whose text is the decimal form of `value`.
    public init(_ value: Int64) {
        self.text = String(value)
    }

    /// A number whose text is the decimal form of `value`.
    public init(_ value: UInt64) {
        self.text = String(value)
    }

    /// A number whose text is Swift's shortest round-tripping form of `value`;
    /// nil for NaN and infinities, which JSON cannot express.
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        self.init(literal: value.description)
    }

    /// Validates that `literal` is exactly one RFC 8259 number (no surrounding
    /// whitespace, no `+`, no leading zeros, no `.5` or `1.`); nil otherwise.
    public init?(literal: String) {
        let bytes = Array(literal.utf8)
        guard let end = try? JSONNumber.scan(bytes, from: 0), end == bytes.count else { return nil }
        self.text = literal
    }

    /// Used by the parser, which has already validated the text.
    init(validatedText: String) {
        self.text = validatedText
    }

    /// True when the text has no fraction or exponent (`1.0` and `1e3` are not integers).
    public var isInteger: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    /// The exact integer if the text is an integer that fits in `Int64`, else nil.
    public var int64Value: Int64? {
        var utf8 = text.utf8.makeIterator()
        guard var byte = utf8.next() else { return nil }
        let negative = byte == UInt8(ascii: "-")
        if negative {
            guard let next = utf8.next() else { return nil }
            byte = next
        }
        // Accumulate as a negative value so Int64.min needs no special case.
        var result: Int64 = 0
        while true {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.subtractingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            result = sum
            guard let next = utf8.next() else { break }
            byte = next
        }
        if negative { return result }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(result)
        return overflow ? nil : positive
    }

    /// The exact integer if the text is an integer that fits in `Int`, else nil.
    public var intValue: Int? {
        guard let value = int64Value else { return nil }
        return Int(exactly: value)
    }

    /// The nearest `Double` (possibly rounded, ±infinity if out of range).
    public var doubleValue: Double {
        Double(text) ?? .nan
    }

    /// The literal text.
    public var description: String { text }

    /// Scans one number per the RFC 8259 grammar starting at `start`; returns the
    /// index just past it. Shared by the parser and `init?(literal:)` so both
    /// accept exactly the same language.
    @inline(__always)
    static func scan(_ buffer: [UInt8], from start: Int) throws(JSONParseError) -> Int {
        let count = buffer.count
        var i = start
        if i < count, buffer[i] == UInt8(ascii: "-") { i += 1 }
        guard i < count else {
            throw JSONParseError(offset: i, reason: "invalid number: expected a digit")
        }
        let first = buffer[i]
        if first == UInt8(ascii: "0") {
            i += 1
            if i < count, isDigit(buffer[i]) {
                throw JSONParseError(offset: i - 1, reason: "invalid number: leading zero")
            }
        } else if first >= UInt8(ascii: "1"), first <= UInt8(ascii: "9") {
            i += 1
            while i < count, isDigit(buffer[i]) { i += 1 }
        } else {
            throw JSONParseError(offset: i, reason: "invalid number: expected a digit")
        }
        if i < count, buffer[i] == UInt8(ascii: ".") {
            i += 1
            guard i < count, isDigit(buffer[i]) else {
                throw JSONParseError(offset: i, reason: "invalid number: expected a digit after the decimal point")
            }
            while i < count, isDigit(buffer[i]) { i += 1 }
        }
        if i < count, buffer[i] == UInt8(ascii: "e") || buffer[i] == UInt8(ascii: "E") {
            i += 1
            if i < count, buffer[i] == UInt8(ascii: "+") || buffer[i] == UInt8(ascii: "-") { i += 1 }
            guard i < count, isDigit(buffer[i]) else {
                throw JSONParseError(offset: i, reason: "invalid number: expected a digit in the exponent")
            }
            while i < count, isDigit(buffer[i]) { i += 1 }
        }
        return i
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
