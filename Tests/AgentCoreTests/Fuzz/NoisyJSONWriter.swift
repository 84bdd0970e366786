/// Writes a `JSONValue` as valid but unusual JSON text: random white space between tokens
/// (space, tab, CR, LF) and random escaping (`\uXXXX` in either case, surrogate pairs for
/// astral scalars, `\/`, the short escapes). Any such text must parse to the same value,
/// which checks the parser's slow paths against the writer's fast, compact output.
@testable import AgentCore

struct NoisyJSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Chance, out of 8, of white space at each point where JSON allows it.
    var whitespaceRate = 2
    /// Chance, out of 8, that a scalar which needs no escape is escaped anyway.
    var escapeRate = 1

    mutating func write(_ value: JSONValue, _ rng: inout FuzzRNG) {
        space(&rng)
        switch value {
        case .null: append("null")
        case .bool(let flag): append(flag ? "true" : "false")
        case .number(let number): append(number.text)
        case .string(let string): writeString(string, &rng)
        case .array(let elements):
            append("[")
            for (index, element) in elements.enumerated() {
                if index > 0 { append(",") }
                write(element, &rng)
            }
            space(&rng)
            append("]")
        case .object(let object):
            append("{")
            for (index, (key, element)) in object.enumerated() {
                if index > 0 { append(",") }
                space(&rng)
                writeString(key, &rng)
                space(&rng)
                append(":")
                write(element, &rng)
            }
            space(&rng)
            append("}")
        }
        space(&rng)
    }

    mutating func writeString(_ string: String, _ rng: inout FuzzRNG) {
        append("\"")
        for scalar in string.unicodeScalars {
            let value = scalar.value
            let mustEscape = value < 0x20 || value == 0x22 || value == 0x5C
            if !mustEscape && !rng.chance(escapeRate, in: 8) {
                UTF8.encode(scalar) { bytes.append($0) }
                continue
            }
            let short: String? = switch value {
            case 0x22: "\\\""
            case 0x5C: "\\\\"
            case 0x2F: "\\/"
            case 0x08: "\\b"
            case 0x0C: "\\f"
            case 0x0A: "\\n"
            case 0x0D: "\\r"
            case 0x09: "\\t"
            default: nil
            }
            if let short, rng.chance(1, in: 2) {
                append(short)
            } else if value >= 0x10000 {
                let offset = value - 0x10000
                appendUnicodeEscape(UInt16(0xD800 + (offset >> 10)), &rng)
                appendUnicodeEscape(UInt16(0xDC00 + (offset & 0x3FF)), &rng)
            } else {
                appendUnicodeEscape(UInt16(value), &rng)
            }
        }
        append("\"")
    }

    private mutating func appendUnicodeEscape(_ unit: UInt16, _ rng: inout FuzzRNG) {
        var hex = String(unit, radix: 16, uppercase: rng.chance(1, in: 2))
        while hex.utf8.count < 4 { hex = "0" + hex }
        append("\\u" + hex)
    }

    private mutating func space(_ rng: inout FuzzRNG) {
        guard rng.chance(whitespaceRate, in: 8) else { return }
        for _ in 0..<rng.int(1...3) {
            bytes.append(rng.pick([0x20, 0x09, 0x0A, 0x0D]))
        }
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: Array(text.utf8))
    }
}
