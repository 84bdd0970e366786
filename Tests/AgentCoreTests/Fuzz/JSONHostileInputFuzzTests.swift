/// Hostile shapes a peer can send in one frame: nesting far beyond the limit, numbers no
/// machine type holds, megabyte strings and keys, tens of thousands of keys, duplicates.
///
/// Each must end in a value or a `JSONParseError` whose reason names the problem, whose
/// offset points into the input and whose text stays short (an error must never echo a
/// megabyte back), and each must finish quickly: quadratic work here is a denial of service.
/// Duplicate keys are rejected (documented on `JSONParser` and `JSONObject`), so through
/// `RequestEnvelope` they are `bad_json`.
import Testing

@testable import AgentCore

/// Generous: each case takes milliseconds; a quadratic algorithm would take minutes.
private let hostileTimeLimit: Duration = .seconds(10)

/// Parses `bytes`, failing the test if that takes longer than `hostileTimeLimit`.
private func timedParse(
    _ bytes: [UInt8],
    maximumDepth: Int = JSONParser.defaultMaximumDepth,
    sourceLocation: SourceLocation = #_sourceLocation
) -> Result<JSONValue, JSONParseError> {
    let clock = ContinuousClock()
    let start = clock.now
    let result = Result { () throws(JSONParseError) -> JSONValue in try JSONParser.parse(bytes, maximumDepth: maximumDepth) }
    let elapsed = clock.now - start
    #expect(elapsed < hostileTimeLimit, "parsing \(bytes.count) bytes took \(elapsed)", sourceLocation: sourceLocation)
    return result
}

/// Expects `bytes` to be rejected with `reason` (exact, or prefix when `prefix`) at `offset`.
private func expectRejected(
    _ bytes: [UInt8],
    reason: String,
    prefix: Bool = false,
    offset: Int? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    switch timedParse(bytes, sourceLocation: sourceLocation) {
    case .success:
        Issue.record("\(describeBytes(bytes, limit: 60)) was accepted; expected \(reason)", sourceLocation: sourceLocation)
    case .failure(let error):
        let matches = prefix ? error.reason.hasPrefix(reason) : error.reason == reason
        #expect(matches, "reason \"\(error.reason)\", expected \"\(reason)\"", sourceLocation: sourceLocation)
        if let offset { #expect(error.offset == offset, sourceLocation: sourceLocation) }
        #expect((0...bytes.count).contains(error.offset), sourceLocation: sourceLocation)
        let length = error.description.utf8.count
        #expect(length < 200, "error text is \(length) bytes", sourceLocation: sourceLocation)
    }
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func repeated(_ text: String, _ count: Int) -> [UInt8] { bytes(String(repeating: text, count: count)) }

@Suite struct JSONHostileInputFuzzTests {
    // MARK: Nesting

    @Test func nestingFarBeyondTheLimitIsRejectedAtTheLimit() {
        let limit = JSONParser.defaultMaximumDepth
        expectRejected(repeated("[", 100_000), reason: "nesting deeper than \(limit)", offset: limit)
        expectRejected(repeated("[", 100_000) + repeated("]", 100_000), reason: "nesting deeper than \(limit)", offset: limit)
        expectRejected(repeated(#"{"a":"#, 100_000), reason: "nesting deeper than \(limit)", offset: 5 * limit)
        expectRejected(repeated(#"[{"a":"#, 50_000), reason: "nesting deeper than \(limit)", offset: 6 * (limit / 2))
        expectRejected(repeated("[1,", 100_000), reason: "nesting deeper than \(limit)", offset: 3 * limit)
    }

    @Test func nestingAtTheLimitIsAccepted() throws {
        let limit = JSONParser.defaultMaximumDepth
        let arrays = repeated("[", limit) + repeated("]", limit)
        #expect(try JSONParser.parse(arrays).jsonBytes == arrays)
        let objects = repeated(#"{"a":"#, limit - 1) + bytes("{}") + repeated("}", limit - 1)
        #expect(try JSONParser.parse(objects).jsonBytes == objects)
    }

    @Test func deepFrameIsBadJSONWithoutID() throws {
        let frame = bytes(#"{"id":7,"op":"ping","x":"#) + repeated("[", 100_000)
        guard case .rejected(let id, let error) = RequestEnvelope.decode(frame) else {
            Issue.record("a 100 000-deep frame was accepted")
            return
        }
        #expect(error.code == .badJSON)
        #expect(error.message.contains("nesting deeper than"))
        #expect(id == nil)
    }

    // MARK: Numbers

    @Test(arguments: [
        ("1e999999", false), ("-1e999999", false), ("1E-999999", false), ("-0", true), ("-0.0", false),
        ("400 nines", true), ("-400 ones", true), ("a million digits", true), ("100 000 fraction digits", false),
    ])
    func hugeNumbersKeepTheirText(name: String, isInteger: Bool) throws {
        let literal = switch name {
        case "400 nines": String(repeating: "9", count: 400)
        case "-400 ones": "-" + String(repeating: "1", count: 400)
        case "a million digits": "1" + String(repeating: "0", count: 1_000_000)
        case "100 000 fraction digits": "0." + String(repeating: "0", count: 100_000) + "1"
        default: name
        }
        let value = try #require(try? timedParse(bytes(literal)).get())
        let number = try #require(value.numberValue)
        #expect(number.text == literal)
        #expect(number.isInteger == isInteger)
        #expect(value.jsonBytes == bytes(literal))
        if literal == "-0" {
            #expect(number.int64Value == 0)
        } else if isInteger {
            #expect(number.int64Value == nil)
        }
        #expect(!number.doubleValue.isNaN)
    }

    @Test func outOfRangeNumbersReadAsInfinityOrZero() throws {
        #expect(try JSONParser.parse("1e999999").numberValue?.doubleValue == .infinity)
        #expect(try JSONParser.parse("-1e999999").numberValue?.doubleValue == -.infinity)
        #expect(try JSONParser.parse("1e-999999").numberValue?.doubleValue == 0)
    }

    @Test(arguments: [
        ("1E+", "invalid number: expected a digit in the exponent", 3),
        ("1e", "invalid number: expected a digit in the exponent", 2),
        ("-", "invalid number: expected a digit", 1),
        ("--1", "invalid number: expected a digit", 1),
        ("1.", "invalid number: expected a digit after the decimal point", 2),
        ("1.e5", "invalid number: expected a digit after the decimal point", 2),
        ("01", "invalid number: leading zero", 0),
        ("-01", "invalid number: leading zero", 1),
        (".5", "unexpected character '.', expected a value", 0),
        ("+1", "unexpected character '+', expected a value", 0),
        ("NaN", "unexpected character 'N', expected a value", 0),
        ("Infinity", "unexpected character 'I', expected a value", 0),
        ("0x10", "trailing characters after the JSON value", 1),
        ("1,000", "trailing characters after the JSON value", 1),
        ("1e+-1", "invalid number: expected a digit in the exponent", 3),
    ])
    func malformedNumbersAreNamed(text: String, reason: String, offset: Int) {
        expectRejected(bytes(text), reason: reason, offset: offset)
    }

    @Test func hugeNumbersInRequestFieldsAreBadRequest() throws {
        for literal in ["1e999999", String(repeating: "9", count: 400), "-0", "1.0", "1e2"] {
            guard case .request(let envelope) = RequestEnvelope.decode(bytes(#"{"op":"fetch","limit":"# + literal + "}")) else {
                Issue.record("limit \(literal): the frame was rejected")
                continue
            }
            do {
                _ = try FetchRequest(envelope.body)
                Issue.record("limit \(literal) was accepted")
            } catch {
                #expect(error.code == .badRequest)
                #expect(error.message.hasPrefix("limit:"), "\(error.message)")
            }
        }
        // -0 is the integer 0, inside wait_ms's range.
        let body = try #require(try JSONParser.parse(#"{"op":"fetch","wait_ms":-0}"#).objectValue)
        #expect(try FetchRequest(body).waitMilliseconds == 0)
    }

    @Test func hugeNumericIDIsEchoedAsSent() throws {
        let literal = "1e999999"
        guard case .request(let envelope) = RequestEnvelope.decode(bytes(#"{"op":"ping","id":"# + literal + "}")) else {
            Issue.record("the frame was rejected")
            return
        }
        #expect(String(decoding: Reply.success(id: envelope.id), as: UTF8.self) == #"{"id":1e999999,"ok":true}"#)
    }

    // MARK: Strings

    @Test func megabyteStringsRoundTrip() throws {
        let megabyte = 1 << 20
        for text in [
            String(repeating: "a", count: megabyte), String(repeating: "\u{1F600}", count: megabyte / 4),
            String(repeating: "\n\"\\", count: megabyte / 3), String(repeating: "\u{0}", count: megabyte / 6),
        ] {
            let value = JSONValue.string(text)
            let parsed = try timedParse(value.jsonBytes).get()
            #expect(parsed.stringValue?.utf8.count == text.utf8.count)
            #expect(parsed == value)
        }
        let escaped = try timedParse(bytes("\"" + String(repeating: #"\u00e9\ud83d\ude00"#, count: 50_000) + "\"")).get()
        #expect(escaped.stringValue == String(repeating: "\u{E9}\u{1F600}", count: 50_000))
    }

    @Test func brokenMegabyteStringsAreNamed() {
        let body = repeated("x", 1 << 20)
        let count = body.count
        expectRejected(bytes("\"") + body, reason: "unterminated string", offset: 0)
        expectRejected(bytes("\"") + body + [0xC0, 0xAF] + bytes("\""), reason: "invalid UTF-8", offset: count + 1)
        expectRejected(bytes("\"") + body + [0xED, 0xA0, 0x80] + bytes("\""), reason: "invalid UTF-8", offset: count + 1)
        expectRejected(bytes("\"") + body + bytes(#"\ud800""#), reason: #"unpaired surrogate escape \uD800"#, offset: count + 1)
        expectRejected(bytes("\"") + body + [0x0A] + bytes("\""), reason: "unescaped control character 0x0A in string", offset: count + 1)
        expectRejected(repeated(" ", 1 << 20), reason: "unexpected end of input", offset: 1 << 20)
    }

    // MARK: Many keys, duplicate keys

    @Test func thousandsOfKeysAndADuplicateAtTheEnd() throws {
        let pairs = (0..<3_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let object = try #require(try timedParse(bytes("{" + pairs + "}")).get().objectValue)
        #expect(object.count == 3_000)
        #expect(object["k2999"]?.intValue == 2_999)
        expectRejected(bytes("{" + pairs + #","k0":0}"#), reason: #"duplicate key "k0""#, offset: pairs.utf8.count + 2)
        let wide = try timedParse(bytes("[" + Array(repeating: "0", count: 200_000).joined(separator: ",") + "]")).get()
        #expect(wide.arrayValue?.count == 200_000)
    }

    /// Found by the fuzzer: in debug builds this was quadratic (a frame copy shared the key
    /// table, so each key copied it): 100 000 keys took minutes.
    @Test func hundredThousandKeysParseInLinearTime() throws {
        let pairs = (0..<100_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let object = try #require(try timedParse(bytes("{" + pairs + "}")).get().objectValue)
        #expect(object.count == 100_000)
        expectRejected(bytes("{" + pairs + #","k0":0}"#), reason: #"duplicate key "k0""#, offset: pairs.utf8.count + 2)
    }

    @Test func duplicateMegabyteKeyGivesAShortMessage() {
        let key = "\"" + String(repeating: "k", count: 1 << 20) + "\""
        let shown = "duplicate key \"" + String(repeating: "k", count: 48)
        expectRejected(bytes("{" + key + ":1," + key + ":2}"), reason: shown, prefix: true)
    }

    @Test(arguments: [
        #"{"op":"ping","op":"ping"}"#,
        #"{"id":1,"op":"ping","id":1}"#,
        #"{"op":"send","message":{"to_agent":"a","to_agent":"b"}}"#,
        #"{"op":"fetch","x":[{"a":1,"\u0061":2}]}"#,
        #"{"op":"fetch","\ud83d\ude00":1,"😀":2}"#,
    ])
    func duplicateKeysAnywhereAreBadJSONWithoutID(frame: String) throws {
        guard case .rejected(let id, let error) = RequestEnvelope.decode(bytes(frame)) else {
            Issue.record("\(frame) was accepted")
            return
        }
        #expect(error.code == .badJSON)
        #expect(error.message.contains("duplicate key"))
        #expect(id == nil)
    }

    @Test(.disabled("""
        known limitation (documented on JSONParser and in docs/protocol.md): keys are compared by \
        Unicode canonical equivalence, so "\\u00e9" and "e\\u0301" count as one key
        """))
    func canonicallyEquivalentKeysAreDistinct() throws {
        let object = try #require(try JSONParser.parse("{\"\u{E9}\":1,\"e\u{301}\":2}").objectValue)
        #expect(object.count == 2)
        #expect(object["e\u{301}"] == 2)
    }

    /// Found by the fuzzer: a caller-chosen depth of a million let a 100 000-deep value
    /// through, which then overflowed the stack when released. The depth is capped now.
    @Test func hugeCallerChosenDepthDoesNotOverflowTheStack() throws {
        let depth = 100_000
        #expect(throws: JSONParseError.self) {
            _ = try JSONParser.parse(repeated("[", depth) + repeated("]", depth), maximumDepth: 1_000_000)
        }
        let deepest = JSONParser.depthCap / 2
        let value = try JSONParser.parse(repeated("[", deepest) + repeated("]", deepest), maximumDepth: 1_000_000)
        #expect(value.arrayValue?.count == 1)
    }
}
