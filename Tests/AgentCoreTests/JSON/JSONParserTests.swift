import Testing
@testable import AgentCore

private func parse(_ text: String) throws(JSONParseError) -> JSONValue {
    try JSONParser.parse(text)
}

/// The error thrown for `bytes`, or nil if they parsed.
private func parseError(_ bytes: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes, maximumDepth: maximumDepth)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String) -> JSONParseError? {
    parseError(Array(text.utf8))
}

@Suite struct JSONParserTests {
    // MARK: Values

    @Test func literals() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse(" \t\r\n null \n") == .null)
    }

    @Test func numbersKeepTheirText() throws {
        for literal in ["0", "-0", "1", "-1", "12.5", "-1.5e3", "1E+2", "1e-07", "0.000", "123456789012345678901234567890"] {
            let value = try parse(literal)
            #expect(value == .number(try #require(JSONNumber(literal: literal))))
            #expect(value.numberValue?.text == literal)
            #expect(value.jsonString == literal)
        }
    }

    @Test func bigIntegers() throws {
        let max = try parse("9223372036854775807")
        #expect(max.int64Value == Int64.max)
        let min = try parse("-9223372036854775808")
        #expect(min.int64Value == Int64.min)
        let beyond = try parse("18446744073709551616")
        #expect(beyond.numberValue?.text == "18446744073709551616")
        #expect(beyond.int64Value == nil)
        #expect(beyond.numberValue?.isInteger == true)
        #expect(beyond.jsonString == "18446744073709551616")
        #expect(try parse("9223372036854775808").int64Value == nil)
        #expect(try parse("-9223372036854775809").int64Value == nil)
    }

    @Test func numberAccessors() throws {
        let one = try #require(JSONNumber(literal: "1.0"))
        #expect(!one.isInteger)
        #expect(one.int64Value == nil)
        #expect(one.doubleValue == 1.0)
        let thousand = try #require(JSONNumber(literal: "1e3"))
        #expect(thousand.int64Value == nil)
        #expect(thousand.doubleValue == 1000)
        #expect(JSONNumber(literal: "-0")?.int64Value == 0)
        #expect(JSONNumber(42).text == "42")
        #expect(JSONNumber(Int64(-7)).intValue == -7)
        #expect(JSONNumber(2.5)?.text == "2.5")
        #expect(JSONNumber(Double.nan) == nil)
        for bad in ["", "-", "+1", "01", ".5", "1.", "1e", "1e+", "NaN", "Infinity", "-Infinity", " 1", "1 ", "0x10", "1.5.2"] {
            #expect(JSONNumber(literal: bad) == nil, "accepted \(bad)")
        }
    }

    @Test func strings() throws {
        #expect(try parse(#""""#) == .string(""))
        #expect(try parse(#""hello""#) == .string("hello"))
        #expect(try parse(#""h\u00e9llo \u20AC""#) == .string("héllo €"))
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try parse(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(try parse("\"raw é 日本 😀\"") == .string("raw é 日本 😀"))
        #expect(try parse(#"["x\ny", "plain", "\t"]"#) == .array(["x\ny", "plain", "\t"]))
    }

    @Test func arraysAndObjects() throws {
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object(JSONObject()))
        #expect(try parse(" [ 1 , [ ] , { } , \"a\" ] ") == [1, [], .object(JSONObject()), "a"])
        let value = try parse(#"{"b":1,"a":{"c":[true,false,null]},"z":"s"}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["b", "a", "z"])
        #expect(object["a"]?["c"] == [true, false, .null])
        #expect(object["z"]?.stringValue == "s")
        #expect(value.arrayValue == nil)
    }

    @Test func parsesFromEveryInputKind() throws {
        let text = #"{"k":[1,"v"]}"#
        let fromString = try JSONParser.parse(text)
        let fromBytes = try JSONParser.parse(Array(text.utf8))
        #expect(fromString == fromBytes)
    }

    @Test func largeObjectsUseTheLookupTable() throws {
        let pairs = (0..<100).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let object = try #require(try parse("{\(pairs)}").objectValue)
        #expect(object.count == 100)
        #expect(object["k57"]?.intValue == 57)
        #expect(object.keys.first == "k0" && object.keys.last == "k99")
        let error = parseError("{\(pairs),\"k42\":0}")
        #expect(error?.reason == #"duplicate key "k42""#)
    }

    @Test func maximumDepthIsInclusive() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseError(tooDeep)?.reason == "nesting deeper than 64")
        #expect(parseError(Array("[[1]]".utf8), maximumDepth: 1)?.offset == 1)
        #expect(parseError(Array("1".utf8), maximumDepth: 0) == nil)
    }

    // MARK: Errors

    @Test func invalidUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xC3, 0x28, 0x22],             // lead byte without continuation
            [0x22, 0xC0, 0xAF, 0x22],             // overlong '/'
            [0x22, 0xE0, 0x80, 0xAF, 0x22],       // overlong 3-byte
            [0x22, 0xED, 0xA0, 0x80, 0x22],       // UTF-8-encoded surrogate U+D800
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], // U+110000
            [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], // lead byte beyond U+10FFFF
            [0x22, 0x80, 0x22],                   // stray continuation byte
            [0x22, 0xFF, 0x22],
            [0x22, 0xE2, 0x82],                   // truncated at end of input
            [0xC0, 0xAF],                         // outside a string
        ]
        for bytes in cases {
            let error = parseError(bytes)
            #expect(error?.reason == "invalid UTF-8", "\(bytes)")
        }
        #expect(parseError([0x22, 0xC3, 0x28, 0x22])?.offset == 1)
        #expect(parseError([0x5B, 0x31, 0x2C, 0xC0, 0xAF, 0x5D])?.offset == 3)
    }

    @Test func validMultibyteBoundaries() throws {
        let cases: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF],
            [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        ]
        for sequence in cases {
            let value = try JSONParser.parse([0x22] + sequence + [0x22])
            #expect(value.stringValue.map { Array($0.utf8) } == sequence)
        }
    }

    @Test func loneSurrogateEscapes() {
        for text in [#""\ud800""#, #""\uDC00""#, #""\ud800x""#, #""\ud800\n""#, #""\ud800\u0041""#, #""\ud800\ud800""#] {
            let error = parseError(text)
            #expect(error?.reason.hasPrefix("unpaired surrogate") == true, "\(text): \(String(describing: error))")
            #expect(error?.offset == 1)
        }
    }

    @Test func badEscapes() {
        #expect(parseError(#""\x""#)?.reason == "invalid escape 'x'")
        #expect(parseError(#""\u12G4""#)?.reason.hasPrefix("invalid \\u escape") == true)
        #expect(parseError(#""\u12"#)?.reason == "unexpected end of input")
        #expect(parseError(#""\'"#)?.reason == "invalid escape '''")
    }

    @Test func duplicateKey() {
        let error = parseError(#"{"a":1,"b":2,"a":3}"#)
        #expect(error?.reason == #"duplicate key "a""#)
        #expect(error?.offset == 13)
        #expect(error?.description == #"duplicate key "a" at byte 13"#)
        // Same key in different objects is fine.
        #expect(parseError(#"{"a":{"a":1},"b":{"a":2}}"#) == nil)
        // Keys are compared after unescaping.
        #expect(parseError(#"{"a":1,"\u0061":2}"#)?.reason == #"duplicate key "a""#)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        let error = parseError(bytes)
        #expect(error?.reason == "nesting deeper than 64")
        #expect(error?.offset == 64)
        let objects = Array(String(repeating: #"{"a":"#, count: 100_000).utf8)
        #expect(parseError(objects)?.reason == "nesting deeper than 64")
        // A caller-chosen huge limit is capped: the value must stay safe to release.
        #expect(parseError(bytes, maximumDepth: 1_000_000)?.reason == "nesting deeper than \(JSONParser.depthCap)")
    }

    @Test func trailingCharacters() {
        for text in ["1 2", "{} x", "[]]", "null,", "\"a\"\"b\"", "true false"] {
            #expect(parseError(text)?.reason == "trailing characters after the JSON value", "\(text)")
        }
        #expect(parseError("1 2")?.offset == 2)
    }

    @Test func emptyInput() {
        #expect(parseError("")?.reason == "unexpected end of input")
        #expect(parseError("  \n ")?.reason == "unexpected end of input")
    }

    @Test func badNumbers() {
        #expect(parseError("01")?.reason == "invalid number: leading zero")
        #expect(parseError("-01")?.reason == "invalid number: leading zero")
        #expect(parseError("[00]")?.offset == 1)
        #expect(parseError("+1")?.reason.hasPrefix("unexpected character '+'") == true)
        #expect(parseError(".5")?.reason.hasPrefix("unexpected character '.'") == true)
        #expect(parseError("1.")?.reason.hasPrefix("invalid number") == true)
        #expect(parseError("1.e5")?.reason.hasPrefix("invalid number") == true)
        #expect(parseError("1e")?.reason.hasPrefix("invalid number") == true)
        #expect(parseError("-")?.reason.hasPrefix("invalid number") == true)
        #expect(parseError("NaN") != nil)
        #expect(parseError("Infinity") != nil)
        #expect(parseError("-Infinity")?.reason.hasPrefix("invalid number") == true)
        #expect(parseError("0x1F") != nil)
    }

    @Test func controlCharacterInString() {
        let error = parseError("\"a\nb\"")
        #expect(error?.reason == "unescaped control character 0x0A in string")
        #expect(error?.offset == 2)
        #expect(parseError([0x22, 0x00, 0x22]) != nil)
        #expect(parseError([0x22, 0x1F, 0x22]) != nil)
        #expect(parseError("\"a\\\"\tb\"") != nil) // also on the escaped-string path
        #expect(parseError([0x22, 0x7F, 0x22]) == nil)  // DEL is allowed by RFC 8259
    }

    @Test func unterminatedString() {
        #expect(parseError("\"abc") == JSONParseError(offset: 0, reason: "unterminated string"))
        #expect(parseError("[\"a\\n") == JSONParseError(offset: 1, reason: "unterminated string"))
    }

    @Test func badLiterals() {
        #expect(parseError("tru")?.reason == "unexpected end of input")
        #expect(parseError("trUe")?.offset == 2)
        #expect(parseError("nul")?.reason == "unexpected end of input")
        #expect(parseError("True")?.reason.hasPrefix("unexpected character 'T'") == true)
        #expect(parseError("falsey")?.reason == "trailing characters after the JSON value")
    }

    @Test func structuralErrors() {
        #expect(parseError("[1,]")?.reason.hasPrefix("unexpected character ']'") == true)
        #expect(parseError("[1 2]")?.reason.hasPrefix("unexpected character '2'") == true)
        #expect(parseError("{\"a\" 1}")?.reason.hasPrefix("unexpected character '1'") == true)
        #expect(parseError("{\"a\":1,}")?.reason.hasPrefix("unexpected character '}'") == true)
        #expect(parseError("{1:2}")?.reason.hasPrefix("unexpected character '1'") == true)
        #expect(parseError("{\"a\":1")?.reason == "unexpected end of input")
        #expect(parseError("[1")?.reason == "unexpected end of input")
        #expect(parseError("[")?.reason == "unexpected end of input")
        #expect(parseError("\u{0B}1")?.reason.hasPrefix("unexpected character 0x0B") == true) // VT is not JSON whitespace
        #expect(parseError("\u{A0}1")?.reason.hasPrefix("unexpected character '\u{A0}'") == true)
        #expect(parseError("[1}")?.offset == 2)
    }
}
