/// Reads the pieces of one TOML line: bare keys, values, the end of the line.
///
/// Every construct outside the supported subset is recognised and named in the error
/// ("inline tables are not supported") rather than reported as a generic syntax error, so
/// whoever edits the file learns what to write instead.
struct TOMLLineScanner {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init<S: Sequence<Unicode.Scalar>>(_ scalars: S) {
        self.scalars = Array(scalars)
    }

    /// The next character, without consuming it.
    var current: Unicode.Scalar? {
        self.position < self.scalars.count ? self.scalars[self.position] : nil
    }

    mutating func advance() {
        self.position += 1
    }

    /// Spaces and tabs are the only whitespace TOML allows inside a line.
    mutating func skipWhitespace() {
        while let scalar = self.current, scalar == " " || scalar == "\t" {
            self.advance()
        }
    }

    /// After the last token: only whitespace and an optional `# comment` may follow.
    mutating func expectEndOfLine() throws(TOMLSyntaxError) {
        self.skipWhitespace()
        guard let scalar = self.current, scalar != "#" else { return }
        throw TOMLSyntaxError("unexpected text after the value", detail: self.quotedRest())
    }

    /// A bare key: ASCII letters, digits, `_` and `-`.
    mutating func bareKey() throws(TOMLSyntaxError) -> String {
        if let scalar = self.current, scalar == "\"" || scalar == "'" {
            throw TOMLSyntaxError("quoted keys are not supported; use a bare key (letters, digits, _ and -)")
        }
        var key = String.UnicodeScalarView()
        while let scalar = self.current, Self.isBareKeyCharacter(scalar) {
            key.append(scalar)
            self.advance()
        }
        guard !key.isEmpty else {
            throw TOMLSyntaxError("expected a key", detail: self.quotedRest())
        }
        return String(key)
    }

    /// Any supported value; the position ends just after it.
    mutating func value() throws(TOMLSyntaxError) -> TOMLValue {
        guard let scalar = self.current, scalar != "#" else {
            throw TOMLSyntaxError("missing value after '='")
        }
        switch scalar {
        case "\"": return .string(try self.basicString())
        case "'": return .string(try self.literalString())
        case "[": return try self.array()
        case "{": throw TOMLSyntaxError("inline tables are not supported; use a [table] header")
        default: return try self.bareValue()
        }
    }

    // MARK: - Strings

    /// `"..."` with the escapes `\"`, `\\`, `\n`, `\t` and `\uXXXX`.
    private mutating func basicString() throws(TOMLSyntaxError) -> String {
        if self.startsWith("\"\"\"") {
            throw TOMLSyntaxError("multi-line strings (\"\"\") are not supported")
        }
        self.advance()
        var text = String.UnicodeScalarView()
        while let scalar = self.current {
            self.advance()
            switch scalar {
            case "\"":
                return String(text)
            case "\\":
                text.append(try self.escape())
            default:
                try Self.checkNotControl(scalar)
                text.append(scalar)
            }
        }
        throw TOMLSyntaxError("unterminated string (strings must end on the line they start)")
    }

    private mutating func escape() throws(TOMLSyntaxError) -> Unicode.Scalar {
        guard let scalar = self.current else {
            throw TOMLSyntaxError("unterminated string (strings must end on the line they start)")
        }
        self.advance()
        switch scalar {
        case "\"": return "\""
        case "\\": return "\\"
        case "n": return "\n"
        case "t": return "\t"
        case "u": return try self.unicodeEscape()
        default:
            throw TOMLSyntaxError(
                "unsupported escape in string (supported: \\\" \\\\ \\n \\t \\uXXXX)",
                detail: "\\\(scalar.escaped(asASCII: true))"
            )
        }
    }

    private mutating func unicodeEscape() throws(TOMLSyntaxError) -> Unicode.Scalar {
        var hex = ""
        for _ in 0..<4 {
            guard let scalar = self.current, scalar.properties.isASCIIHexDigit else {
                throw TOMLSyntaxError("\\u must be followed by exactly four hex digits")
            }
            hex.unicodeScalars.append(scalar)
            self.advance()
        }
        // Surrogate halves are not characters, so UInt32 → Unicode.Scalar rejects them.
        guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
            throw TOMLSyntaxError("\\u escape is not a valid Unicode character", detail: "\\u\(hex)")
        }
        return scalar
    }

    /// `'...'`: taken literally, no escapes.
    private mutating func literalString() throws(TOMLSyntaxError) -> String {
        if self.startsWith("'''") {
            throw TOMLSyntaxError("multi-line strings (''') are not supported")
        }
        self.advance()
        var text = String.UnicodeScalarView()
        while let scalar = self.current {
            self.advance()
            if scalar == "'" { return String(text) }
            try Self.checkNotControl(scalar)
            text.append(scalar)
        }
        throw TOMLSyntaxError("unterminated string (strings must end on the line they start)")
    }

    /// TOML forbids raw control characters in strings (tab excepted); they are invisible in
    /// an editor, so accepting them would make the file lie about its contents.
    private static func checkNotControl(_ scalar: Unicode.Scalar) throws(TOMLSyntaxError) {
        if (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7F {
            throw TOMLSyntaxError("control character U+\(String(scalar.value, radix: 16, uppercase: true)) in string; use an escape")
        }
    }

    // MARK: - Arrays

    /// `[a, b, c]` on one line, all strings or all integers, trailing comma allowed.
    private mutating func array() throws(TOMLSyntaxError) -> TOMLValue {
        self.advance()
        var strings: [String] = []
        var integers: [Int] = []
        while true {
            self.skipWhitespace()
            guard let scalar = self.current, scalar != "#" else {
                throw TOMLSyntaxError("unterminated array (arrays must be on one line)")
            }
            if scalar == "]" {
                self.advance()
                break
            }
            switch try self.value() {
            case .string(let text): strings.append(text)
            case .integer(let number): integers.append(number)
            case .boolean: throw TOMLSyntaxError("arrays may hold only strings or integers")
            case .stringArray, .integerArray: throw TOMLSyntaxError("nested arrays are not supported")
            }
            if !strings.isEmpty && !integers.isEmpty {
                throw TOMLSyntaxError("arrays must not mix strings and integers")
            }
            self.skipWhitespace()
            if self.current == nil || self.current == "#" {
                throw TOMLSyntaxError("unterminated array (arrays must be on one line)")
            } else if self.current == "," {
                self.advance()
            } else if self.current != "]" {
                throw TOMLSyntaxError("expected ',' or ']' in array")
            }
        }
        return integers.isEmpty ? .stringArray(strings) : .integerArray(integers)
    }

    // MARK: - Booleans and numbers

    /// An unquoted value: `true`, `false` or an integer. Floats, dates and the like are
    /// recognised only to say they are unsupported.
    private mutating func bareValue() throws(TOMLSyntaxError) -> TOMLValue {
        var token = String.UnicodeScalarView()
        while let scalar = self.current, !" \t,]#".unicodeScalars.contains(scalar) {
            token.append(scalar)
            self.advance()
        }
        let text = String(token)
        switch text {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf", "-inf", "nan", "+nan", "-nan":
            throw TOMLSyntaxError("floats are not supported", detail: text)
        default: break
        }
        guard let first = token.first, TOMLInteger.isDigit(first) || first == "+" || first == "-" else {
            throw TOMLSyntaxError(
                "expected a value (a \"string\", an integer, true/false or an [array]); strings need quotes",
                detail: text
            )
        }
        if text.contains(":") || Self.looksLikeDate(token) {
            throw TOMLSyntaxError("dates and times are not supported", detail: text)
        }
        if (text.contains(".") || text.contains("e") || text.contains("E")) && !text.hasPrefix("0x") {
            throw TOMLSyntaxError("floats are not supported", detail: text)
        }
        do {
            return .integer(try TOMLInteger.parse(text))
        } catch {
            // The integer parser quotes the token as if it were text; here it was written bare.
            throw TOMLSyntaxError(error.message, detail: text)
        }
    }

    /// `1979-05-27…`: four digits and a dash.
    private static func looksLikeDate(_ token: String.UnicodeScalarView) -> Bool {
        let head = Array(token.prefix(5))
        return head.count == 5 && head[0..<4].allSatisfy(TOMLInteger.isDigit) && head[4] == "-"
    }

    // MARK: - Helpers

    private func startsWith(_ prefix: String) -> Bool {
        let wanted = Array(prefix.unicodeScalars)
        guard self.position + wanted.count <= self.scalars.count else { return false }
        return Array(self.scalars[self.position..<(self.position + wanted.count)]) == wanted
    }

    /// The rest of the line, shortened: error messages quote a bounded snippet of bad input.
    private func quotedRest() -> String {
        var rest = String.UnicodeScalarView(self.scalars[self.position...])
        if rest.count > 40 {
            rest = String.UnicodeScalarView(rest.prefix(40))
            rest.append(contentsOf: "…".unicodeScalars)
        }
        return "\"\(String(rest))\""
    }

    static func isBareKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-": return true
        default: return false
        }
    }
}
