import Testing

@testable import AgentdConfig

@Suite struct TOMLParserTests {
    private func parse(_ text: String) throws(ConfigurationError) -> TOMLDocument {
        try TOMLParser(fileName: "test.toml").parse(text)
    }

    private func values(_ text: String) throws -> [String: TOMLValue] {
        var result: [String: TOMLValue] = [:]
        for entry in try self.parse(text).entries { result[entry.dottedName] = entry.value }
        return result
    }

    private func parseError(_ text: String) -> String? {
        do {
            _ = try self.parse(text)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: - Accepted

    @Test func commentsBlankLinesAndTables() throws {
        let document = try self.parse(
            """
            # comment
              
            top = 1   # trailing comment
            [a]
            x = "in a"
              [ a . b ]  # spaces are allowed in headers
            y = 2
            """
        )
        #expect(document.tables == [TOMLDocument.Table(path: ["a"], line: 4), TOMLDocument.Table(path: ["a", "b"], line: 6)])
        #expect(
            document.entries == [
                TOMLDocument.Entry(path: ["top"], value: .integer(1), line: 3),
                TOMLDocument.Entry(path: ["a", "x"], value: .string("in a"), line: 5),
                TOMLDocument.Entry(path: ["a", "b", "y"], value: .integer(2), line: 7),
            ]
        )
    }

    @Test func strings() throws {
        let parsed = try self.values(
            #"""
            basic = "a \"quoted\" \\ back\nslash\ttab"
            unicode = "caf\u00e9 \u2603"
            literal = 'C:\path\no escapes "here"'
            empty = ""
            emptyLiteral = ''
            hash = "not # a comment"
            raw = "é ✓"
            """#
        )
        #expect(parsed["basic"] == .string("a \"quoted\" \\ back\nslash\ttab"))
        #expect(parsed["unicode"] == .string("café ☃"))
        #expect(parsed["literal"] == .string(#"C:\path\no escapes "here""#))
        #expect(parsed["empty"] == .string(""))
        #expect(parsed["emptyLiteral"] == .string(""))
        #expect(parsed["hash"] == .string("not # a comment"))
        #expect(parsed["raw"] == .string("é ✓"))
    }

    @Test func integers() throws {
        let parsed = try self.values("a = 0\nb = +42\nc = -17\nd = 1_000_000\ne = 9223372036854775807\nf = -0")
        #expect(parsed["a"] == .integer(0))
        #expect(parsed["b"] == .integer(42))
        #expect(parsed["c"] == .integer(-17))
        #expect(parsed["d"] == .integer(1_000_000))
        #expect(parsed["e"] == .integer(Int.max))
        #expect(parsed["f"] == .integer(0))
    }

    @Test func booleansAndArrays() throws {
        let parsed = try self.values(
            "yes = true\nno = false\nnames = [\"a\", 'b' , \"c\",]\nnumbers = [1, -2, 3_000]\nnone = []\nspaced = [ ]"
        )
        #expect(parsed["yes"] == .boolean(true))
        #expect(parsed["no"] == .boolean(false))
        #expect(parsed["names"] == .stringArray(["a", "b", "c"]))
        #expect(parsed["numbers"] == .integerArray([1, -2, 3_000]))
        #expect(parsed["none"] == .stringArray([]))
        #expect(parsed["spaced"] == .stringArray([]))
    }

    @Test func windowsLineEndingsAndByteOrderMark() throws {
        let parsed = try self.values("\u{FEFF}a = 1\r\nb = \"x\"\r\n")
        #expect(parsed["a"] == .integer(1))
        #expect(parsed["b"] == .string("x"))
    }

    // MARK: - Rejected, each with its line number

    @Test(arguments: [
        // Structure
        ("a = 1\nb", "test.toml:2: expected '=' after key b"),
        ("\n= 1", "test.toml:2: expected a key, got \"= 1\""),
        ("a.b = 1", "test.toml:1: dotted keys are not supported; put a under a [a] header"),
        ("\"a\" = 1", "test.toml:1: quoted keys are not supported; use a bare key (letters, digits, _ and -)"),
        ("a = ", "test.toml:1: a: missing value after '='"),
        ("a = # nothing", "test.toml:1: a: missing value after '='"),
        ("a = 1 2", "test.toml:1: a: unexpected text after the value, got \"2\""),
        ("a = \"x\" y", "test.toml:1: a: unexpected text after the value, got \"y\""),
        ("[a", "test.toml:1: expected ']' to close the table header"),
        ("[]", "test.toml:1: expected a key, got \"]\""),
        ("[a] x", "test.toml:1: unexpected text after the value, got \"x\""),
        ("[[a]]", "test.toml:1: arrays of tables ([[...]]) are not supported"),
        ("[a.]", "test.toml:1: expected a key, got \"]\""),
        // Duplicates and clashes
        ("a = 1\n\na = 2", "test.toml:3: a is defined twice (first on line 1)"),
        ("[t]\n[t]", "test.toml:2: table [t] is defined twice (first on line 1)"),
        ("redis = \"h:1\"\n[redis]", "test.toml:2: table [redis] clashes with key redis on line 1"),
        ("[t]\nk = 1\n[t.k]", "test.toml:3: table [t.k] clashes with key t.k on line 2"),
        ("[t.k]\n[t]\nk = 1", "test.toml:3: key t.k clashes with table [t.k] on line 1"),
        // Strings
        ("a = \"open", "test.toml:1: a: unterminated string (strings must end on the line they start)"),
        ("a = 'open", "test.toml:1: a: unterminated string (strings must end on the line they start)"),
        ("a = \"bad \\q escape\"", "test.toml:1: a: unsupported escape in string (supported: \\\" \\\\ \\n \\t \\uXXXX), got \\q"),
        ("a = \"\\u12\"", "test.toml:1: a: \\u must be followed by exactly four hex digits"),
        ("a = \"\\uD800\"", "test.toml:1: a: \\u escape is not a valid Unicode character, got \\uD800"),
        ("a = \"\"\"multi\"\"\"", "test.toml:1: a: multi-line strings (\"\"\") are not supported"),
        ("a = '''multi'''", "test.toml:1: a: multi-line strings (''') are not supported"),
        ("a = \"bell\u{7}\"", "test.toml:1: a: control character U+7 in string; use an escape"),
        // Numbers and other values
        ("a = five", "test.toml:1: a: expected a value (a \"string\", an integer, true/false or an [array]); strings need quotes, got five"),
        ("a = True", "test.toml:1: a: expected a value (a \"string\", an integer, true/false or an [array]); strings need quotes, got True"),
        ("a = 1.5", "test.toml:1: a: floats are not supported, got 1.5"),
        ("a = 1e3", "test.toml:1: a: floats are not supported, got 1e3"),
        ("a = inf", "test.toml:1: a: floats are not supported, got inf"),
        ("a = 0x1F", "test.toml:1: a: only decimal integers are supported, got 0x1F"),
        ("a = 007", "test.toml:1: a: leading zeros are not allowed in integers, got 007"),
        ("a = 1__0", "test.toml:1: a: misplaced '_' in integer, got 1__0"),
        ("a = 10_", "test.toml:1: a: misplaced '_' in integer, got 10_"),
        ("a = 99999999999999999999", "test.toml:1: a: integer out of range, got 99999999999999999999"),
        ("a = 1979-05-27", "test.toml:1: a: dates and times are not supported, got 1979-05-27"),
        ("a = 07:32:00", "test.toml:1: a: dates and times are not supported, got 07:32:00"),
        ("a = { x = 1 }", "test.toml:1: a: inline tables are not supported; use a [table] header"),
        // Arrays
        ("a = [1, 2", "test.toml:1: a: unterminated array (arrays must be on one line)"),
        ("a = [\n1]", "test.toml:1: a: unterminated array (arrays must be on one line)"),
        ("a = [1, \"x\"]", "test.toml:1: a: arrays must not mix strings and integers"),
        ("a = [true]", "test.toml:1: a: arrays may hold only strings or integers"),
        ("a = [[1]]", "test.toml:1: a: nested arrays are not supported"),
        ("a = [1 2]", "test.toml:1: a: expected ',' or ']' in array"),
        ("a = [,]", "test.toml:1: a: expected a value (a \"string\", an integer, true/false or an [array]); strings need quotes, got "),
    ])
    func rejects(text: String, message: String) {
        #expect(self.parseError(text) == message)
    }

    @Test func errorsOnLaterLinesCountEveryLine() {
        let text = "# 1\n\n[a]\n# 4\nx = 1\n\ny = nope\n"
        #expect(self.parseError(text)?.hasPrefix("test.toml:7: a.y:") == true)
        #expect(self.parseError("a = 1\r\nb = nope\r\n")?.hasPrefix("test.toml:2: b:") == true)
    }

    @Test func secretKeysHideTheInput() {
        let parser = TOMLParser(fileName: "f", secretKeys: ["s.pw"])
        #expect(throws: ConfigurationError("f:2: s.pw: expected a value (a \"string\", an integer, true/false or an [array]); strings need quotes")) {
            try parser.parse("[s]\npw = letmein")
        }
        #expect(throws: ConfigurationError("f:2: s.other: expected a value (a \"string\", an integer, true/false or an [array]); strings need quotes, got letmein")) {
            try parser.parse("[s]\nother = letmein")
        }
    }
}
