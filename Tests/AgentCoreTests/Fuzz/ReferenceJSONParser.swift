/// A second, deliberately simple JSON parser used as the oracle of the mutation properties.
///
/// It shares no code with `JSONParser`: the input is decoded by the standard library's UTF-8
/// decoder (which rejects overlongs, encoded surrogates, stray continuation bytes and code
/// points past U+10FFFF) and then read by recursive descent over scalars; numbers are checked
/// against the RFC 8259 grammar written as a regex. It accepts exactly RFC 8259 plus the
/// parser's documented rules: no duplicate keys (compared as Swift strings, like
/// `JSONObject`), nesting at most `maximumDepth`. Slow, but only ever given small inputs.
@testable import AgentCore

/// The number grammar of RFC 8259, section 6.
nonisolated(unsafe) let rfc8259Number = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/

enum ReferenceJSONParser {
    /// The value of `bytes`, or nil when they are not exactly one JSON document.
    static func parse(_ bytes: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth) -> JSONValue? {
        var scalars: [Unicode.Scalar] = []
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: break decoding
            case .error: return nil
            }
        }
        var reader = Reader(scalars: scalars, maximumDepth: maximumDepth)
        reader.skipWhitespace()
        guard let value = reader.value(depth: 0) else { return nil }
        reader.skipWhitespace()
        return reader.position == scalars.count ? value : nil
    }

    private struct Reader {
        let scalars: [Unicode.Scalar]
        let maximumDepth: Int
        var position = 0

        init(scalars: [Unicode.Scalar], maximumDepth: Int) {
            self.scalars = scalars
            self.maximumDepth = maximumDepth
        }

        var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func skipWhitespace() {
            while let scalar = current {
                switch scalar {
                case " ", "\t", "\n", "\r": position += 1
                default: return
                }
            }
        }

        mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
            guard current == scalar else { return false }
            position += 1
            return true
        }

        /// `depth` counts the containers already open around this value.
        mutating func value(depth: Int) -> JSONValue? {
            guard let first = current else { return nil }
            switch first {
            case "{": return depth < maximumDepth ? object(depth: depth) : nil
            case "[": return depth < maximumDepth ? array(depth: depth) : nil
            case "\"": return string().map(JSONValue.string)
            case "t": return literal("true", .bool(true))
            case "f": return literal("false", .bool(false))
            case "n": return literal("null", .null)
            case "-", "0"..."9": return number()
            default: return nil
            }
        }

        mutating func literal(_ text: String, _ value: JSONValue) -> JSONValue? {
            for scalar in text.unicodeScalars {
                guard consume(scalar) else { return nil }
            }
            return value
        }

        mutating func number() -> JSONValue? {
            var text = ""
            scan: while let scalar = current {
                switch scalar {
                case "0"..."9", "+", "-", ".", "e", "E":
                    text.unicodeScalars.append(scalar)
                    position += 1
                default:
                    break scan
                }
            }
            // A number ends at the first character that is none of these, so the maximal run
            // is the token; anything the grammar rejects in it is an error either way.
            guard text.wholeMatch(of: rfc8259Number) != nil, let number = JSONNumber(literal: text) else { return nil }
            return .number(number)
        }

        mutating func array(depth: Int) -> JSONValue? {
            position += 1
            skipWhitespace()
            var elements: [JSONValue] = []
            if consume("]") { return .array(elements) }
            while true {
                skipWhitespace()
                guard let element = value(depth: depth + 1) else { return nil }
                elements.append(element)
                skipWhitespace()
                if consume("]") { return .array(elements) }
                guard consume(",") else { return nil }
            }
        }

        mutating func object(depth: Int) -> JSONValue? {
            position += 1
            skipWhitespace()
            var pairs: [(String, JSONValue)] = []
            if consume("}") { return .object(JSONObject(pairs)) }
            while true {
                skipWhitespace()
                guard current == "\"", let key = string() else { return nil }
                guard !pairs.contains(where: { $0.0 == key }) else { return nil }
                skipWhitespace()
                guard consume(":") else { return nil }
                skipWhitespace()
                guard let element = value(depth: depth + 1) else { return nil }
                pairs.append((key, element))
                skipWhitespace()
                if consume("}") { return .object(JSONObject(pairs)) }
                guard consume(",") else { return nil }
            }
        }

        mutating func string() -> String? {
            position += 1
            var result = String.UnicodeScalarView()
            while let scalar = current {
                position += 1
                switch scalar {
                case "\"":
                    return String(result)
                case "\\":
                    guard let escaped = escape() else { return nil }
                    result.append(escaped)
                default:
                    guard scalar.value >= 0x20 else { return nil }
                    result.append(scalar)
                }
            }
            return nil
        }

        /// The scalar an escape stands for; `position` is just past the backslash.
        mutating func escape() -> Unicode.Scalar? {
            guard let kind = current else { return nil }
            position += 1
            switch kind {
            case "\"", "\\", "/": return kind
            case "b": return "\u{08}"
            case "f": return "\u{0C}"
            case "n": return "\n"
            case "r": return "\r"
            case "t": return "\t"
            case "u":
                guard let unit = hex4() else { return nil }
                switch unit {
                case 0xD800...0xDBFF:
                    guard consume("\\"), consume("u"), let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                    return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                case 0xDC00...0xDFFF:
                    return nil
                default:
                    return Unicode.Scalar(unit)
                }
            default:
                return nil
            }
        }

        mutating func hex4() -> UInt32? {
            guard position + 4 <= scalars.count else { return nil }
            var text = ""
            for scalar in scalars[position..<position + 4] { text.unicodeScalars.append(scalar) }
            guard text.unicodeScalars.allSatisfy({ $0.properties.isASCIIHexDigit }) else { return nil }
            position += 4
            return UInt32(text, radix: 16)
        }
    }
}
