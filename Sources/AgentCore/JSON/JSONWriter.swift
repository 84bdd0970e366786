/// Appends compact JSON to a byte array; used to build reply frames without Foundation.
///
/// The writer does not track structure: callers emit `{`, `,` and `:` with
/// `writeRaw` themselves, which keeps hand-built hot-path replies cheap.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes before reallocating.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends raw ASCII already in JSON form, e.g. `"{\"ok\":true"`.
    public mutating func writeRaw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends bytes that are already JSON, unchanged.
    public mutating func writeRaw(_ bytes: [UInt8]) {
        self.bytes.append(contentsOf: bytes)
    }

    /// Appends `s` as a quoted JSON string: `"` and `\` are escaped, control
    /// characters become `\n`-style or `\u00XX` escapes, everything else
    /// (including non-ASCII) is copied as UTF-8.
    public mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { appendEscaped($0) }
        if done == nil {
            // Bridged strings without contiguous UTF-8; not the hot path.
            Array(s.utf8).withUnsafeBufferPointer { appendEscaped($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends `key` as a JSON string followed by `:`.
    public mutating func writeKey(_ key: String) {
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends the decimal form of `v`.
    public mutating func writeInt(_ v: Int) {
        writeInt64(Int64(v))
    }

    /// Appends the decimal form of `v`.
    public mutating func writeInt64(_ v: Int64) {
        if v < 0 { bytes.append(UInt8(ascii: "-")) }
        writeDigits(v.magnitude)
    }

    /// Appends the decimal form of `v`.
    public mutating func writeUInt64(_ v: UInt64) {
        writeDigits(v)
    }

    /// Appends `true` or `false`.
    public mutating func writeBool(_ v: Bool) {
        if v { writeRaw("true") } else { writeRaw("false") }
    }

    /// Appends `null`.
    public mutating func writeNull() {
        writeRaw("null")
    }

    /// Appends the number's literal text.
    public mutating func writeNumber(_ n: JSONNumber) {
        bytes.append(contentsOf: n.text.utf8)
    }

    /// Appends `v` compactly, object keys in stored order.
    public mutating func writeValue(_ v: JSONValue) {
        switch v {
        case .null:
            writeNull()
        case .bool(let b):
            writeBool(b)
        case .number(let n):
            writeNumber(n)
        case .string(let s):
            writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeValue(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeKey(key)
                writeValue(value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    // MARK: - Private

    private mutating func writeDigits(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        // Digits come out least significant first; fill a 20-byte scratch
        // (UInt64.max has 20 digits) from the end to avoid a String.
        var remaining = value
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { scratch in
            var start = 20
            while remaining != 0 {
                start -= 1
                let (quotient, digit) = remaining.quotientAndRemainder(dividingBy: 10)
                scratch[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: digit)
                remaining = quotient
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[start..<20]))
        }
    }

    private mutating func appendEscaped(_ source: UnsafeBufferPointer<UInt8>) {
        // Copy unescaped runs in bulk; most strings have no escapes at all.
        var runStart = 0
        for index in 0..<source.count {
            let byte = source[index]
            if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") { continue }
            if runStart < index {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart..<index]))
            }
            appendEscape(for: byte)
            runStart = index + 1
        }
        if runStart < source.count {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: source[runStart...]))
        }
    }

    private mutating func appendEscape(for byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        default:
            bytes.append(UInt8(ascii: "u"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(UInt8(ascii: "0"))
            bytes.append(Self.hexDigit(byte >> 4))
            bytes.append(Self.hexDigit(byte & 0x0F))
        }
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "a") &+ (nibble &- 10)
    }
}
