import Testing
@testable import AgentCore

private func written(_ build: (inout JSONWriter) -> Void) -> String {
    var writer = JSONWriter()
    build(&writer)
    return String(decoding: writer.bytes, as: UTF8.self)
}

@Suite struct JSONWriterTests {
    @Test func scalars() {
        #expect(written { $0.writeNull() } == "null")
        #expect(written { $0.writeBool(true) } == "true")
        #expect(written { $0.writeBool(false) } == "false")
        #expect(written { $0.writeInt(0) } == "0")
        #expect(written { $0.writeInt(-5) } == "-5")
        #expect(written { $0.writeInt(1234567890) } == "1234567890")
        #expect(written { $0.writeInt(Int.min) } == String(Int.min))
        #expect(written { $0.writeInt64(Int64.max) } == "9223372036854775807")
        #expect(written { $0.writeInt64(Int64.min) } == "-9223372036854775808")
        #expect(written { $0.writeUInt64(UInt64.max) } == "18446744073709551615")
    }

    @Test func rawAndHandBuiltFrames() throws {
        let text = written { w in
            w.writeRaw("{\"ok\":true,\"id\":")
            w.writeInt(7)
            w.writeRaw(",")
            w.writeKey("msg")
            w.writeString("hi")
            w.writeRaw(",\"data\":")
            w.writeRaw(Array("[1,2]".utf8))
            w.writeRaw("}")
        }
        #expect(text == #"{"ok":true,"id":7,"msg":"hi","data":[1,2]}"#)
        #expect(try JSONParser.parse(text) == ["ok": true, "id": 7, "msg": "hi", "data": [1, 2]])
    }

    @Test func stringEscaping() {
        #expect(written { $0.writeString("plain") } == #""plain""#)
        #expect(written { $0.writeString("") } == #""""#)
        #expect(written { $0.writeString("a\"b\\c") } == #""a\"b\\c""#)
        #expect(written { $0.writeString("\n\r\t\u{08}\u{0C}") } == #""\n\r\t\b\f""#)
        #expect(written { $0.writeString("\u{0}\u{1}\u{1F}") } == #""\u0000\u0001\u001f""#)
        #expect(written { $0.writeString("/") } == #""/""#)
        #expect(written { $0.writeString("\u{7F}") } == "\"\u{7F}\"")
        // Non-ASCII is raw UTF-8, not \u escapes.
        #expect(written { $0.writeString("héllo €😀") } == "\"héllo €😀\"")
    }

    @Test func everyControlCharacterRoundTrips() throws {
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        let value = JSONValue.string(all)
        #expect(try JSONParser.parse(value.jsonBytes) == value)
    }

    @Test func compactValueSerialization() {
        let value: JSONValue = ["z": 1, "a": [true, .null, "x"], "m": ["n": -1.5]]
        #expect(value.jsonString == #"{"z":1,"a":[true,null,"x"],"m":{"n":-1.5}}"#)
        #expect(value.description == value.jsonString)
        var writer = JSONWriter()
        value.write(to: &writer)
        #expect(writer.bytes == value.jsonBytes)
    }

    @Test func numbersWriteTheirLiteralText() throws {
        for literal in ["18446744073709551616", "-1.50e+03", "0.0", "1E2"] {
            let number = try #require(JSONNumber(literal: literal))
            #expect(JSONValue.number(number).jsonString == literal)
        }
    }

    @Test(arguments: [
        #"null"#,
        #"true"#,
        #"false"#,
        #"0"#,
        #"-9223372036854775808"#,
        #"18446744073709551616"#,
        #"3.14e-10"#,
        #""""#,
        #""esc \" \\ \/ \b \f \n \r \t \u0001 \u00e9 \ud83d\ude00""#,
        #"[]"#,
        #"{}"#,
        #"[1,[2,[3,{"a":[]}]]]"#,
        #"{"k":"v","n":null,"b":false,"arr":[1,"2",3.0],"obj":{"inner":{"deeper":true}}}"#,
    ])
    func roundTrip(_ text: String) throws {
        let value = try JSONParser.parse(text)
        let reparsed = try JSONParser.parse(value.jsonBytes)
        #expect(reparsed == value)
        #expect(reparsed.jsonBytes == value.jsonBytes)
    }

    @Test func compactOutputOfCompactInputIsIdentical() throws {
        let text = #"{"b":[1,2.5,"x\n"],"a":{"c":null}}"#
        #expect(try JSONParser.parse(text).jsonString == text)
        let spaced = " { \"b\" : [ 1 , 2.5 , \"x\\n\" ] , \"a\" : { \"c\" : null } } "
        #expect(try JSONParser.parse(spaced).jsonString == text)
    }
}

@Suite struct JSONObjectTests {
    @Test func keepsInsertionOrder() {
        var object = JSONObject()
        object["b"] = 1
        object["a"] = 2
        object["c"] = 3
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.map(\.key) == ["b", "a", "c"])
        #expect(object.map(\.value) == [1, 2, 3])
        #expect(object.count == 3)
        #expect(!object.isEmpty)
        #expect(JSONValue.object(object).jsonString == #"{"b":1,"a":2,"c":3}"#)
    }

    @Test func setReplacesInPlaceAndNilRemoves() {
        var object: JSONObject = ["x": 1, "y": 2, "z": 3]
        object["y"] = "new"
        #expect(object.keys == ["x", "y", "z"])
        #expect(object["y"] == "new")
        object["x"] = nil
        #expect(object.keys == ["y", "z"])
        #expect(object["x"] == nil)
        object["x"] = 9
        #expect(object.keys == ["y", "z", "x"])
        object["missing"] = nil
        #expect(object.count == 3)
        #expect(object.removeValue(forKey: "z") == 3)
        #expect(object.removeValue(forKey: "z") == nil)
        #expect(object.keys == ["y", "x"])
        #expect(object.contains(key: "y"))
    }

    @Test func pairsInitializerKeepsFirstPositionLastValue() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    @Test func equalityIgnoresOrderButHashAgrees() {
        let one: JSONObject = ["a": 1, "b": [true]]
        let two: JSONObject = ["b": [true], "a": 1]
        #expect(one == two)
        #expect(one.hashValue == two.hashValue)
        #expect(Set([JSONValue.object(one), .object(two)]).count == 1)
        #expect(one != ["a": 1])
        #expect(one != ["a": 1, "b": [false]])
        #expect(one != ["a": 1, "c": [true]])
    }

    @Test func largeObjectsStayConsistentThroughEdits() {
        var object = JSONObject()
        for i in 0..<40 { object["k\(i)"] = .number(JSONNumber(i)) }
        for i in stride(from: 0, to: 40, by: 2) { object["k\(i)"] = nil }
        #expect(object.count == 20)
        #expect(object["k1"] == 1)
        #expect(object["k39"] == 39)
        #expect(object["k2"] == nil)
        object["k5"] = "five"
        #expect(object.keys[2] == "k5")
        for i in stride(from: 1, to: 35, by: 2) { object["k\(i)"] = nil }
        #expect(object.keys == ["k35", "k37", "k39"])
        #expect(object["k37"] == 37)
    }

    @Test func valueAccessors() {
        let value: JSONValue = ["s": "str", "n": 5, "b": true, "a": [1], "z": .null]
        #expect(value["s"]?.stringValue == "str")
        #expect(value["n"]?.intValue == 5)
        #expect(value["n"]?.int64Value == 5)
        #expect(value["b"]?.boolValue == true)
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["z"]?.isNull == true)
        #expect(value["s"]?.isNull == false)
        #expect(value["s"]?.objectValue == nil)
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["s"] == nil)
    }
}
