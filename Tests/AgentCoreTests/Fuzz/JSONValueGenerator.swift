/// Random JSON values built structurally, for the parser's round-trip and mutation properties.
///
/// Strings draw from every class of scalar the parser and writer treat differently (ASCII,
/// `"` and `\`, control characters, NUL, DEL, 2-, 3- and 4-byte UTF-8, U+2028, BOM,
/// non-characters); numbers are RFC 8259 literals of every shape (`-0`, `1.50`, `1E+2`,
/// 400-digit integers, `1e999999`). Object keys are unique, as the parser requires.
@testable import AgentCore

struct JSONValueGenerator {
    /// Deepest nesting generated (top level counts as 1); below the parser's default limit.
    var maximumDepth = 8
    /// Most values in one document, so documents stay small (a few hundred bytes on average).
    var maximumNodes = 60

    func value(_ rng: inout FuzzRNG) -> JSONValue {
        var budget = rng.int(1...maximumNodes)
        return value(&rng, depth: 1, budget: &budget)
    }

    func value(_ rng: inout FuzzRNG, depth: Int, budget: inout Int) -> JSONValue {
        budget -= 1
        let containerAllowed = depth < maximumDepth && budget > 0
        switch rng.below(containerAllowed ? 10 : 6) {
        case 0: return .null
        case 1: return .bool(rng.chance(1, in: 2))
        case 2, 3: return .number(Self.number(&rng))
        case 4, 5: return .string(Self.string(&rng))
        case 6, 7: return .array(array(&rng, depth: depth, budget: &budget))
        default: return .object(object(&rng, depth: depth, budget: &budget))
        }
    }

    func array(_ rng: inout FuzzRNG, depth: Int, budget: inout Int) -> [JSONValue] {
        var elements: [JSONValue] = []
        for _ in 0..<rng.size(max: 12) where budget > 0 {
            elements.append(value(&rng, depth: depth + 1, budget: &budget))
        }
        return elements
    }

    /// An object of its own, with up to `maximumNodes` values in it.
    func object(_ rng: inout FuzzRNG, depth: Int) -> JSONObject {
        var budget = rng.int(1...maximumNodes)
        return object(&rng, depth: depth, budget: &budget)
    }

    func object(_ rng: inout FuzzRNG, depth: Int, budget: inout Int) -> JSONObject {
        // Past 16 keys both the parser and JSONObject switch to hashed lookups: cover both.
        let count = rng.chance(1, in: 8) ? rng.int(15...40) : rng.size(max: 8)
        var pairs: [(String, JSONValue)] = []
        var seen = Set<String>()
        while pairs.count < count {
            let key = rng.chance(1, in: 3) ? "k\(rng.below(50))" : Self.string(&rng, maxLength: 12)
            guard seen.insert(key).inserted else { continue }
            // Keys past the budget get scalars, so wide objects stay cheap.
            var leafBudget = 0
            let element = budget > 0
                ? value(&rng, depth: depth + 1, budget: &budget)
                : value(&rng, depth: depth + 1, budget: &leafBudget)
            pairs.append((key, element))
        }
        return JSONObject(pairs)
    }

    // MARK: Strings

    /// A random string, usually short, sometimes a few thousand scalars.
    static func string(_ rng: inout FuzzRNG, maxLength: Int = 40) -> String {
        let length = rng.chance(1, in: 200) ? rng.int(200...2_000) : rng.size(max: maxLength)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length { scalars.append(scalar(&rng)) }
        return String(scalars)
    }

    /// One scalar from a class chosen at random.
    static func scalar(_ rng: inout FuzzRNG) -> Unicode.Scalar {
        let value: UInt32
        switch rng.below(12) {
        case 0, 1, 2: value = UInt32(rng.int(0x20...0x7E))
        case 3: value = rng.pick([0x22, 0x5C, 0x2F, 0x7F, 0x00])
        case 4: value = UInt32(rng.int(0x00...0x1F))
        case 5: value = UInt32(rng.int(0x80...0x7FF))
        case 6: value = rng.chance(1, in: 2) ? UInt32(rng.int(0x800...0xD7FF)) : UInt32(rng.int(0xE000...0xFFFF))
        case 7: value = UInt32(rng.int(0x10000...0x10FFFF))
        case 8: value = rng.pick([0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF, 0xFFFD, 0x10FFFF, 0x1F600, 0x0301, 0xE9])
        default: value = UInt32(rng.int(0x61...0x7A))
        }
        return Unicode.Scalar(value) ?? "?"
    }

    // MARK: Numbers

    /// A valid RFC 8259 number literal.
    static func number(_ rng: inout FuzzRNG) -> JSONNumber {
        let text: String
        switch rng.below(8) {
        case 0: text = String(rng.int(-1_000...1_000))
        case 1: text = rng.pick(["0", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                                 "18446744073709551615", "-9223372036854775809", "1e999999", "-1E-999999", "0.0", "-0.0e-0"])
        case 2: text = String(Int64(bitPattern: rng.next()))
        case 3: text = (rng.chance(1, in: 2) ? "-" : "") + nonZeroDigit(&rng) + digits(&rng, count: rng.int(18...400))
        case 4: text = JSONNumber(Double(bitPattern: rng.next()))?.text ?? "1.5"
        default: text = composed(&rng)
        }
        guard let number = JSONNumber(literal: text) else {
            preconditionFailure("generator made an invalid number literal \(text)")
        }
        return number
    }

    /// `-?int(.frac)?(e[+-]?exp)?` assembled part by part.
    private static func composed(_ rng: inout FuzzRNG) -> String {
        var text = rng.chance(1, in: 3) ? "-" : ""
        text += rng.chance(1, in: 4) ? "0" : nonZeroDigit(&rng) + digits(&rng, count: rng.size(max: 20))
        if rng.chance(1, in: 2) { text += "." + digits(&rng, count: 1 + rng.size(max: 20)) }
        if rng.chance(1, in: 2) {
            text += rng.pick(["e", "E"]) + rng.pick(["", "+", "-"]) + digits(&rng, count: 1 + rng.size(max: 6))
        }
        return text
    }

    private static func nonZeroDigit(_ rng: inout FuzzRNG) -> String { String(rng.int(1...9)) }

    private static func digits(_ rng: inout FuzzRNG, count: Int) -> String {
        String((0..<count).map { _ in Character(Unicode.Scalar(UInt8(ascii: "0") + UInt8(rng.below(10)))) })
    }
}
