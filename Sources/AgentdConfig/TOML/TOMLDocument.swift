/// The result of parsing a TOML file: its table headers and its `key = value` lines, in file
/// order, each with the line it came from so later checks can point at it.
struct TOMLDocument: Sendable, Equatable {
    /// A `[table]` or `[table.sub]` header.
    struct Table: Sendable, Equatable {
        /// The header's parts: `[tls]` → `["tls"]`.
        var path: [String]
        var line: Int
    }

    /// One `key = value` line.
    struct Entry: Sendable, Equatable {
        /// The enclosing table's path followed by the key: `mode` under `[auth]` → `["auth", "mode"]`.
        var path: [String]
        var value: TOMLValue
        var line: Int

        /// The dotted name, as the configuration keys are named: `auth.mode`.
        var dottedName: String { self.path.joined(separator: ".") }
    }

    var tables: [Table] = []
    var entries: [Entry] = []
}
