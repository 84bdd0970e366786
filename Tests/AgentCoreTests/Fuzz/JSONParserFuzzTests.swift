/// Property tests of `JSONParser` and `JSONWriter` over generated input.
///
/// - Round trip: any value, written compactly by `JSONWriter` or noisily (random white space
///   and escapes), parses back to an equal value whose compact form is byte-identical; this
///   is what lets the broker deliver `content` "exactly as sent".
/// - Damage: valid documents with random mutations, soups of JSON tokens, and strings full
///   of malformed UTF-8 and escapes (every row of the UTF-8 table) are judged exactly as an
///   independent reference parser judges them (same value or both rejected), the error
///   offset lies inside the input, and nothing crashes or hangs.
/// - Numbers: `JSONNumber(literal:)` and the parser accept exactly the RFC 8259 grammar and
///   keep the literal text; `int64Value` agrees with the standard library.
import Testing

@testable import AgentCore

/// The parser's verdict as a value: the parsed JSON or the error.
private func verdict(
    _ bytes: [UInt8],
    maximumDepth: Int = JSONParser.defaultMaximumDepth
) -> Result<JSONValue, JSONParseError> {
    Result { () throws(JSONParseError) -> JSONValue in try JSONParser.parse(bytes, maximumDepth: maximumDepth) }
}

/// Nil when the parser and the reference parser agree on `bytes`, else what differs.
private func disagreement(_ bytes: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth) -> String? {
    let expected = ReferenceJSONParser.parse(bytes, maximumDepth: maximumDepth)
    switch (verdict(bytes, maximumDepth: maximumDepth), expected) {
    case (.success(let value), let expected?):
        guard value == expected, value.jsonBytes == expected.jsonBytes else {
            return "parsed \(describeBytes(bytes)) to \(value), the reference to \(expected)"
        }
        return nil
    case (.success(let value), nil):
        return "accepted \(describeBytes(bytes)) as \(value); the reference rejects it"
    case (.failure(let error), let expected?):
        return "rejected \(describeBytes(bytes)) (\(error)); the reference parses \(expected)"
    case (.failure(let error), nil):
        guard (0...bytes.count).contains(error.offset), !error.reason.isEmpty else {
            return "error \(error) for \(describeBytes(bytes)) has an offset outside the input or no reason"
        }
        return nil
    }
}

@Suite struct JSONParserFuzzTests {
    @Test func compactRoundTrip() {
        forAllCases("JSONParserFuzzTests/compactRoundTrip") { rng in
            let value = JSONValueGenerator().value(&rng)
            let bytes = value.jsonBytes
            switch verdict(bytes) {
            case .failure(let error):
                return "writer output \(describeBytes(bytes)) does not parse: \(error)"
            case .success(let parsed):
                guard parsed == value else { return "\(describeBytes(bytes)) parsed to \(parsed)" }
                guard parsed.jsonBytes == bytes else {
                    return "re-written \(describeBytes(parsed.jsonBytes)), was \(describeBytes(bytes))"
                }
                guard ReferenceJSONParser.parse(bytes) == value else { return "the reference parser disagrees (oracle bug)" }
                return nil
            }
        }
    }

    @Test func noisyTextRoundTrip() {
        forAllCases("JSONParserFuzzTests/noisyTextRoundTrip") { rng in
            let value = JSONValueGenerator().value(&rng)
            var writer = NoisyJSONWriter(whitespaceRate: rng.int(0...8), escapeRate: rng.int(0...8))
            writer.write(value, &rng)
            switch verdict(writer.bytes) {
            case .failure(let error):
                return "valid text \(describeBytes(writer.bytes)) is rejected: \(error)"
            case .success(let parsed):
                guard parsed == value, parsed.jsonBytes == value.jsonBytes else {
                    return "\(describeBytes(writer.bytes)) parsed to \(parsed), expected \(value)"
                }
                return nil
            }
        }
    }

    @Test func mutatedDocumentsAgreeWithTheReference() {
        forAllCases("JSONParserFuzzTests/mutatedDocumentsAgreeWithTheReference") { rng in
            let value = JSONValueGenerator(maximumDepth: 5).value(&rng)
            var writer = NoisyJSONWriter(whitespaceRate: rng.int(0...3), escapeRate: rng.int(0...3))
            writer.write(value, &rng)
            let original = rng.chance(1, in: 2) ? value.jsonBytes : writer.bytes
            return disagreement(ByteMutator.mutate(original, &rng))
        }
    }

    @Test func tokenSoupAgreesWithTheReference() {
        let tokens = [
            "{", "}", "[", "]", ":", ",", "\"", "\"k\"", "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\\"\"",
            "0", "-0", "12", "1.5", "1e3", "-", ".", "e", "+", "01", "true", "false", "null", "nul", " ", "\t", "\r\n",
            "\u{C3}\u{A9}", "\"a\":1", "{\"a\":1}", "[1,2]",
        ].map { Array($0.utf8) }
        forAllCases("JSONParserFuzzTests/tokenSoupAgreesWithTheReference") { rng in
            var bytes: [UInt8] = []
            for _ in 0..<rng.int(1...16) { bytes += rng.pick(tokens) }
            return disagreement(bytes)
        }
    }

    @Test func hostileStringContentAgreesWithTheReference() {
        forAllCases("JSONParserFuzzTests/hostileStringContentAgreesWithTheReference") { rng in
            var content: [UInt8] = []
            for _ in 0..<rng.int(1...6) {
                switch rng.below(5) {
                case 0:
                    UTF8.encode(JSONValueGenerator.scalar(&rng)) { content.append($0) }
                case 1:
                    content += rng.pick(ByteMutator.hostileSequences)
                case 2:
                    // A lead byte and up to three bytes around the continuation range: walks
                    // every row of the UTF-8 well-formedness table, overlongs and surrogates included.
                    content.append(UInt8(rng.int(0x80...0xFF)))
                    for _ in 0..<rng.int(0...3) { content.append(UInt8(rng.int(0x70...0xC8))) }
                case 3:
                    let hex = (0..<4).map { _ in rng.pick(Array("0123456789abcdefABCDEFxg".utf8)) }
                    let surrogate = Array(rng.pick(["d8", "DB", "dc", "DF"]).utf8) + hex.prefix(2)
                    content += Array("\\u".utf8) + (rng.chance(1, in: 2) ? surrogate : hex)
                default:
                    content.append(rng.byte())
                }
            }
            let string = [UInt8(ascii: "\"")] + content + [UInt8(ascii: "\"")]
            let bytes = switch rng.below(3) {
            case 0: string
            case 1: Array("[".utf8) + string + Array("]".utf8)
            default: Array("{".utf8) + string + Array(":1}".utf8)
            }
            return disagreement(bytes)
        }
    }

    @Test func depthLimitAgreesWithTheReference() {
        forAllCases("JSONParserFuzzTests/depthLimitAgreesWithTheReference") { rng in
            let bytes = JSONValueGenerator(maximumDepth: 9).value(&rng).jsonBytes
            return disagreement(bytes, maximumDepth: rng.int(0...9))
        }
    }

    @Test func numberLiteralsFollowTheGrammar() {
        let alphabet = Array("0123456789-+.eE".unicodeScalars) + ["1", "0", "9", "x"]
        forAllCases("JSONParserFuzzTests/numberLiteralsFollowTheGrammar") { rng in
            var text = ""
            for _ in 0..<rng.int(1...12) { text.unicodeScalars.append(rng.pick(alphabet)) }
            if rng.chance(1, in: 4) { text = JSONValueGenerator.number(&rng).text }
            let valid = text.wholeMatch(of: rfc8259Number) != nil
            let number = JSONNumber(literal: text)
            guard (number != nil) == valid else {
                return "JSONNumber(literal: \"\(text)\") is \(String(describing: number)); the grammar says \(valid)"
            }
            let parsed = try? JSONParser.parse(text).numberValue
            guard (parsed != nil) == valid, parsed?.text ?? text == text else {
                return "the parser read \"\(text)\" as \(String(describing: parsed)); the grammar says \(valid)"
            }
            guard let number else { return nil }
            let expected = number.isInteger ? Int64(text) : nil
            guard number.int64Value == expected else {
                return "int64Value of \(text) is \(String(describing: number.int64Value)), expected \(String(describing: expected))"
            }
            return nil
        }
    }
}
