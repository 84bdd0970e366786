/// A strict RFC 8259 parser from UTF-8 bytes to `JSONValue`.
///
/// Rejects invalid UTF-8, duplicate keys, nesting beyond a limit and anything
/// after the single top-level value. Nesting is handled with explicit stacks,
/// not recursion, so hostile input cannot exhaust the thread's stack while
/// parsing; `maximumDepth` is capped at ``depthCap`` because releasing,
/// comparing and writing a value do recurse.
///
/// Keys are compared as Swift strings, i.e. by Unicode canonical equivalence:
/// `"\u00e9"` and `"e\u0301"` count as the same key (a duplicate).
public struct JSONParser {
    /// Maximum nesting of arrays/objects; deeper input is rejected (protects the stack from hostile input).
    public static let defaultMaximumDepth = 64
    /// The deepest nesting any caller may ask for: a value this deep is still safe to
    /// release, compare and write, which recurse.
    public static let depthCap = 1_000

    /// Parses exactly one JSON value, optionally surrounded by whitespace.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        var parser = JSONScanner(bytes: bytes, maximumDepth: min(maximumDepth, depthCap))
        return try parser.parseDocument()
    }

    /// Parses exactly one JSON value from the string's UTF-8.
    public static func parse(_ string: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(string.utf8), maximumDepth: maximumDepth)
    }
}

/// The parsing state over one input array, read by index (bounds-checked, no unsafe pointers).
private struct JSONScanner {
    let buffer: [UInt8]
    // The array's own count, so the optimizer can drop bounds checks that `index < count` already did.
    var count: Int { buffer.count }
    let maximumDepth: Int
    var index = 0
    // Reused for every string that contains escapes, so escapes cost no allocation per string.
    var scratch: [UInt8] = []

    init(bytes: [UInt8], maximumDepth: Int) {
        self.buffer = bytes
        self.maximumDepth = maximumDepth
    }

    /// One open array or object.
    struct Frame {
        var isObject: Bool
        /// Where this container's items begin in `arrayItems` or `objectItems`.
        var start: Int
        /// Key positions, built only once an object grows past the linear-search limit.
        var lookup: [String: Int]?
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        // Items of all open containers live on two flat stacks, so each
        // finished container is copied out once at its exact size instead of
        // growing its own array step by step.
        var frames: [Frame] = []
        var arrayItems: [JSONValue] = []
        var objectItems: [JSONObject.Entry] = []
        // Room for a typical request (an envelope and its message) at once, instead of growing
        // through 1, 2, 4, 8 entries: each step is an allocation and a copy.
        frames.reserveCapacity(4)
        objectItems.reserveCapacity(16)

        skipWhitespace()
        nextValue: while true {
            guard index < count else { throw endOfInput() }
            var value: JSONValue
            switch buffer[index] {
            case UInt8(ascii: "{"):
                try checkDepth(frames.count)
                index += 1
                skipWhitespace()
                if index < count, buffer[index] == UInt8(ascii: "}") {
                    index += 1
                    value = .object(JSONObject())
                } else {
                    frames.append(Frame(isObject: true, start: objectItems.count, lookup: nil))
                    try parseKey(into: &objectItems, frame: &frames[frames.count - 1])
                    continue nextValue
                }
            case UInt8(ascii: "["):
                try checkDepth(frames.count)
                index += 1
                skipWhitespace()
                if index < count, buffer[index] == UInt8(ascii: "]") {
                    index += 1
                    value = .array([])
                } else {
                    frames.append(Frame(isObject: false, start: arrayItems.count, lookup: nil))
                    continue nextValue
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                let start = index
                index = try JSONNumber.scan(buffer, from: start)
                let text = String(decoding: buffer[start..<index], as: UTF8.self)
                value = .number(JSONNumber(validatedText: text))
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                throw unexpectedCharacter(expecting: "a value")
            }

            // A value is complete: attach it to the innermost container and
            // close every container that ends right after it.
            while true {
                // Only the two plain fields: a copy of the whole frame would share its key
                // table, making every key added below copy the table (quadratic).
                guard let isObject = frames.last?.isObject, let start = frames.last?.start else {
                    skipWhitespace()
                    guard index == count else {
                        throw JSONParseError(offset: index, reason: "trailing characters after the JSON value")
                    }
                    return value
                }
                skipWhitespace()
                if isObject {
                    // The entry was pushed with its key when the key was parsed.
                    objectItems[objectItems.count - 1].value = value
                    guard index < count else { throw endOfInput() }
                    if buffer[index] == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        try parseKey(into: &objectItems, frame: &frames[frames.count - 1])
                        continue nextValue
                    }
                    guard buffer[index] == UInt8(ascii: "}") else {
                        throw unexpectedCharacter(expecting: "',' or '}'")
                    }
                    index += 1
                    frames.removeLast()
                    let entries = Array(objectItems[start...])
                    objectItems.removeSubrange(start...)
                    value = .object(JSONObject(uniqueEntries: entries))
                } else {
                    arrayItems.append(value)
                    guard index < count else { throw endOfInput() }
                    if buffer[index] == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        continue nextValue
                    }
                    guard buffer[index] == UInt8(ascii: "]") else {
                        throw unexpectedCharacter(expecting: "',' or ']'")
                    }
                    index += 1
                    frames.removeLast()
                    let elements = Array(arrayItems[start...])
                    arrayItems.removeSubrange(start...)
                    value = .array(elements)
                }
            }
        }
    }

    // MARK: - Pieces

    @inline(__always)
    mutating func skipWhitespace() {
        while index < count {
            switch buffer[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    func checkDepth(_ depth: Int) throws(JSONParseError) {
        if depth >= maximumDepth {
            throw JSONParseError(offset: index, reason: "nesting deeper than \(maximumDepth)")
        }
    }

    /// Parses `"key"` `:` and the whitespace after it, and pushes the entry
    /// (value filled in later); rejects a key already in the open object.
    mutating func parseKey(into items: inout [JSONObject.Entry], frame: inout Frame) throws(JSONParseError) {
        guard index < count else { throw endOfInput() }
        guard buffer[index] == UInt8(ascii: "\"") else {
            throw unexpectedCharacter(expecting: "a string key")
        }
        let keyStart = index
        let key = try parseString()
        let position = items.count
        let isDuplicate: Bool
        if frame.lookup != nil {
            isDuplicate = frame.lookup?.updateValue(position, forKey: key) != nil
        } else {
            var found = false
            for existing in frame.start..<position where items[existing].key == key {
                found = true
                break
            }
            isDuplicate = found
            if !isDuplicate, position - frame.start >= JSONObject.linearSearchLimit {
                // Hostile input with thousands of keys must not make this quadratic.
                var table = [String: Int](minimumCapacity: position - frame.start + 1)
                for existing in frame.start...position - 1 { table[items[existing].key] = existing }
                table[key] = position
                frame.lookup = table
            }
        }
        if isDuplicate {
            throw JSONParseError(offset: keyStart, reason: "duplicate key \(Self.quotedForMessage(key))")
        }
        items.append(JSONObject.Entry(key: key, value: .null))
        skipWhitespace()
        guard index < count else { throw endOfInput() }
        guard buffer[index] == UInt8(ascii: ":") else {
            throw unexpectedCharacter(expecting: "':'")
        }
        index += 1
        skipWhitespace()
    }

    mutating func expectLiteral(_ literal: String) throws(JSONParseError) {
        let start = index
        var position = start
        for expected in literal.utf8 {
            guard position < count else {
                index = position
                throw endOfInput()
            }
            if buffer[position] != expected {
                index = position
                throw unexpectedCharacter(expecting: "'\(literal)'")
            }
            position += 1
        }
        index = position
    }

    /// Parses a string starting at the opening quote; leaves `index` after the closing quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let quoteOffset = index
        index += 1
        let start = index
        // Fast path: no escapes, so the string is a slice of the input.
        while index < count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let string = String(decoding: buffer[start..<index], as: UTF8.self)
                index += 1
                return string
            } else if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(quoteOffset: quoteOffset, start: start)
            } else if byte < 0x20 {
                throw controlCharacter(byte)
            } else if byte < 0x80 {
                index += 1
            } else {
                index += try utf8SequenceLength()
            }
        }
        throw JSONParseError(offset: quoteOffset, reason: "unterminated string")
    }

    /// Slow path once an escape is seen: copy runs and decoded escapes into `scratch`.
    mutating func parseEscapedString(quoteOffset: Int, start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        while index < count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                scratch.append(contentsOf: buffer[runStart..<index])
                index += 1
                // Every byte was validated (or produced by our own encoder), so decoding never repairs.
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                scratch.append(contentsOf: buffer[runStart..<index])
                try decodeEscape()
                runStart = index
            } else if byte < 0x20 {
                throw controlCharacter(byte)
            } else if byte < 0x80 {
                index += 1
            } else {
                index += try utf8SequenceLength()
            }
        }
        throw JSONParseError(offset: quoteOffset, reason: "unterminated string")
    }

    /// Decodes the escape at `index` (a backslash) into `scratch`.
    mutating func decodeEscape() throws(JSONParseError) {
        let escapeOffset = index
        index += 1
        guard index < count else { throw endOfInput() }
        let byte = buffer[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4()
            var scalar = UInt32(unit)
            if unit >= 0xDC00, unit <= 0xDFFF {
                throw JSONParseError(offset: escapeOffset, reason: "unpaired surrogate escape \\u\(Self.hex(unit))")
            }
            if unit >= 0xD800, unit <= 0xDBFF {
                // A high surrogate must be followed immediately by an escaped low surrogate.
                guard index + 1 < count,
                      buffer[index] == UInt8(ascii: "\\"),
                      buffer[index + 1] == UInt8(ascii: "u")
                else {
                    throw JSONParseError(offset: escapeOffset, reason: "unpaired surrogate escape \\u\(Self.hex(unit))")
                }
                index += 2
                let low = try readHex4()
                guard low >= 0xDC00, low <= 0xDFFF else {
                    throw JSONParseError(offset: escapeOffset, reason: "unpaired surrogate escape \\u\(Self.hex(unit))")
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            }
            appendUTF8(scalar)
        default:
            throw JSONParseError(offset: escapeOffset, reason: "invalid escape \(Self.describe(byte))")
        }
    }

    mutating func readHex4() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard index < count else { throw endOfInput() }
            let byte = buffer[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte &- UInt8(ascii: "A") &+ 10
            default:
                throw JSONParseError(offset: index, reason: "invalid \\u escape: expected a hex digit")
            }
            value = value << 4 | UInt16(nibble)
            index += 1
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(truncatingIfNeeded: scalar >> 6))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(truncatingIfNeeded: scalar >> 12))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(truncatingIfNeeded: scalar >> 18))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 12) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: (scalar >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: scalar & 0x3F))
        }
    }

    /// Length of the well-formed UTF-8 sequence whose lead byte (≥ 0x80) is at
    /// `index`, per the Unicode well-formed byte table: this rejects stray
    /// continuation bytes, overlongs, encoded surrogates and > U+10FFFF.
    func utf8SequenceLength() throws(JSONParseError) -> Int {
        let lead = buffer[index]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default: throw invalidUTF8()
        }
        guard index + length <= count else { throw invalidUTF8() }
        let second = buffer[index + 1]
        guard second >= secondLow, second <= secondHigh else { throw invalidUTF8() }
        var position = index + 2
        while position < index + length {
            guard buffer[position] & 0xC0 == 0x80 else { throw invalidUTF8() }
            position += 1
        }
        return length
    }

    // MARK: - Errors

    func invalidUTF8() -> JSONParseError {
        JSONParseError(offset: index, reason: "invalid UTF-8")
    }

    func endOfInput() -> JSONParseError {
        JSONParseError(offset: index, reason: "unexpected end of input")
    }

    func controlCharacter(_ byte: UInt8) -> JSONParseError {
        JSONParseError(offset: index, reason: "unescaped control character \(Self.describe(byte)) in string")
    }

    /// Error for the byte at `index`; a non-ASCII byte is first checked as
    /// UTF-8 so malformed input is reported as such.
    func unexpectedCharacter(expecting expected: String) -> JSONParseError {
        let byte = buffer[index]
        var shown = Self.describe(byte)
        if byte >= 0x80 {
            do {
                let length = try utf8SequenceLength()
                shown = "'" + String(decoding: buffer[index..<index + length], as: UTF8.self) + "'"
            } catch {
                return error
            }
        }
        return JSONParseError(offset: index, reason: "unexpected character \(shown), expected \(expected)")
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x20, byte < 0x7F {
            return "'" + String(UnicodeScalar(byte)) + "'"
        }
        return "0x" + hex(UInt16(byte), digits: 2)
    }

    static func hex(_ value: UInt16, digits: Int = 4) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// Keys in messages are capped so a hostile megabyte key cannot bloat logs.
    static func quotedForMessage(_ key: String) -> String {
        var writer = JSONWriter(capacity: 80)
        if key.utf8.count > 64 {
            writer.writeString(String(key.prefix(48)) + "…")
        } else {
            writer.writeString(key)
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
