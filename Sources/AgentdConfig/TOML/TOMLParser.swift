/// A strict parser for the subset of TOML that agentd's config file uses.
///
/// Supported, one construct per line:
/// - blank lines and `# comments` (also after a value)
/// - `[table]` and `[table.sub]` headers with bare names
/// - `key = value` with a bare key (letters, digits, `_`, `-`)
/// - values: `"basic strings"` (escapes `\"` `\\` `\n` `\t` `\uXXXX`), `'literal strings'`,
///   decimal integers (sign and `_` separators allowed), `true`/`false`, and one-line arrays
///   of strings or of integers
///
/// Everything else (floats, dates, multi-line strings, inline tables, dotted or quoted keys,
/// arrays of tables) is an error naming the file, the line and what is unsupported: a config
/// file that silently means something else than it says is worse than one that fails to load.
struct TOMLParser {
    /// Used only to prefix error messages: `agentd.toml:12: …`.
    let fileName: String
    /// Dotted names whose values must never be quoted in an error (e.g. `redis_auth.password`).
    let secretKeys: Set<String>

    init(fileName: String, secretKeys: Set<String> = []) {
        self.fileName = fileName
        self.secretKeys = secretKeys
    }

    /// Parses the whole file.
    /// - Throws: `ConfigurationError` "FILE:LINE: what was wrong" at the first problem.
    func parse(_ text: String) throws(ConfigurationError) -> TOMLDocument {
        var document = TOMLDocument()
        var currentTable: [String] = []
        // First line of each dotted name, to report duplicates and key/table clashes.
        var tableLines: [String: Int] = [:]
        var keyLines: [String: Int] = [:]

        var scalars = Substring(text).unicodeScalars[...]
        // A UTF-8 byte order mark is invisible in editors; accept it rather than fail on line 1.
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        let lines = scalars.split(separator: "\n", omittingEmptySubsequences: false)

        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            var line = rawLine
            if line.last == "\r" { line = line.dropLast() }  // CRLF files
            var scanner = TOMLLineScanner(line)
            scanner.skipWhitespace()
            guard let first = scanner.current, first != "#" else { continue }

            if first == "[" {
                let path = try self.syntax(lineNumber, key: nil) { () throws(TOMLSyntaxError) in
                    try Self.tableHeader(&scanner)
                }
                let name = path.joined(separator: ".")
                if let earlier = tableLines[name] {
                    throw self.error(lineNumber, "table [\(name)] is defined twice (first on line \(earlier))")
                }
                for length in 1...path.count {
                    let prefix = path.prefix(length).joined(separator: ".")
                    if let earlier = keyLines[prefix] {
                        throw self.error(lineNumber, "table [\(name)] clashes with key \(prefix) on line \(earlier)")
                    }
                }
                tableLines[name] = lineNumber
                document.tables.append(TOMLDocument.Table(path: path, line: lineNumber))
                currentTable = path
                continue
            }

            let key = try self.syntax(lineNumber, key: nil) { () throws(TOMLSyntaxError) in
                try Self.keyAndEquals(&scanner)
            }
            let path = currentTable + [key]
            let name = path.joined(separator: ".")
            let value = try self.syntax(lineNumber, key: name) { () throws(TOMLSyntaxError) in
                let value = try scanner.value()
                try scanner.expectEndOfLine()
                return value
            }
            if let earlier = keyLines[name] {
                throw self.error(lineNumber, "\(name) is defined twice (first on line \(earlier))")
            }
            if let clash = tableLines.first(where: { $0.key == name || $0.key.hasPrefix(name + ".") }) {
                throw self.error(lineNumber, "key \(name) clashes with table [\(clash.key)] on line \(clash.value)")
            }
            keyLines[name] = lineNumber
            document.entries.append(TOMLDocument.Entry(path: path, value: value, line: lineNumber))
        }
        return document
    }

    /// `[name]` or `[name.sub]`, then the end of the line.
    private static func tableHeader(_ scanner: inout TOMLLineScanner) throws(TOMLSyntaxError) -> [String] {
        scanner.advance()  // "["
        if scanner.current == "[" {
            throw TOMLSyntaxError("arrays of tables ([[...]]) are not supported")
        }
        var path: [String] = []
        while true {
            scanner.skipWhitespace()
            path.append(try scanner.bareKey())
            scanner.skipWhitespace()
            if scanner.current == "." {
                scanner.advance()
                continue
            }
            guard scanner.current == "]" else {
                throw TOMLSyntaxError("expected ']' to close the table header")
            }
            scanner.advance()
            break
        }
        try scanner.expectEndOfLine()
        return path
    }

    /// `key =`, leaving the scanner at the value.
    private static func keyAndEquals(_ scanner: inout TOMLLineScanner) throws(TOMLSyntaxError) -> String {
        let key = try scanner.bareKey()
        scanner.skipWhitespace()
        if scanner.current == "." {
            throw TOMLSyntaxError("dotted keys are not supported; put \(key) under a [\(key)] header")
        }
        guard scanner.current == "=" else {
            throw TOMLSyntaxError("expected '=' after key \(key)")
        }
        scanner.advance()
        scanner.skipWhitespace()
        return key
    }

    /// Runs one piece of syntax and turns its error into "FILE:LINE: [key: ]message", quoting
    /// the offending input unless the key is secret.
    private func syntax<T>(
        _ line: Int,
        key: String?,
        _ body: () throws(TOMLSyntaxError) -> T
    ) throws(ConfigurationError) -> T {
        do {
            return try body()
        } catch {
            let reveal = key.map { !self.secretKeys.contains($0) } ?? true
            let text = error.text(revealingInput: reveal)
            throw self.error(line, key.map { "\($0): \(text)" } ?? text)
        }
    }

    private func error(_ line: Int, _ message: String) -> ConfigurationError {
        ConfigurationError("\(self.fileName):\(line): \(message)")
    }
}
