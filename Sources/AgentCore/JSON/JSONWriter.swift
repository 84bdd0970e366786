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

    /// Appends text already in JSON form, unchanged, e.g. the literal `"{\"ok\":true"`.
    public mutating func writeRaw(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    /// Appends bytes that are already JSON, unchanged.
    public mutating func writeRaw(_ bytes: [UInt8]) {
        self.bytes.append(contentsOf: bytes)
    }

    /// Appends bytes that are already JSON, unchanged.
    public mutating func writeRaw(_ bytes: ArraySlice<UInt8>) {
        self.bytes.append(contentsOf: bytes)
    }

    /// Appends the RFC 3339 form of `timestamp`, unquoted.
    public mutating func writeTimestamp(_ timestamp: Timestamp) {
        timestamp.appendRFC3339(to: &self.bytes)
    }

    /// Appends `s` as a quoted JSON string: `"` and `\` are escaped, control
    /// characters become `\n`-style or `\u00XX` escapes, everything else
    /// (including non-ASCII) is copied as UTF-8.
    public mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(s.utf8)
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
        // Digits come out least significant first: append them, then reverse
        // the appended range in place (no String, no scratch buffer).
        var remaining = value
        var low = bytes.count
        while remaining != 0 {
            let (quotient, digit) = remaining.quotientAndRemainder(dividingBy: 10)
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: digit))
            remaining = quotient
        }
        var high = bytes.count - 1
        while low < high {
            bytes.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    private mutating func appendEscaped(_ source: String.UTF8View) {
        if #available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *) {
            // A bounds-checked span over the string's own UTF-8: about twice
            // as fast to scan as the generic iterator.
            let span = source.span
            var runStart = 0
            for index in span.indices where Self.isEscaped(span[index]) {
                appendRun(span.extracting(runStart..<index))
                appendEscape(for: span[index])
                runStart = index + 1
            }
            if runStart == 0 {
                // Most strings need no escape at all: one bulk copy.
                bytes.append(contentsOf: source)
            } else {
                appendRun(span.extracting(runStart...))
            }
            return
        }
        // Older Apple OSes: copy unescaped runs in bulk between the escapes.
        var runStart = source.startIndex
        var index = runStart
        while index != source.endIndex {
            let byte = source[index]
            if !Self.isEscaped(byte) {
                source.formIndex(after: &index)
                continue
            }
            if runStart != index {
                bytes.append(contentsOf: source[runStart..<index])
            }
            appendEscape(for: byte)
            source.formIndex(after: &index)
            runStart = index
        }
        if runStart != source.endIndex {
            bytes.append(contentsOf: source[runStart...])
        }
    }

    @available(macOS 26, iOS 26, tvOS 26, watchOS 26, visionOS 26, *)
    private mutating func appendRun(_ run: Span<UInt8>) {
        guard !run.isEmpty else { return }
        bytes.append(addingCapacity: run.count) { output in
            for index in run.indices { output.append(run[index]) }
        }
    }

    @inline(__always)
    private static func isEscaped(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
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
