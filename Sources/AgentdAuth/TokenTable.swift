import AgentCore

/// The tokens file, parsed and checked: who may say `hello` and as which roles.
///
/// ```
/// [{"agent": "worker-*", "token_sha256": "<64 hex digits>", "roles": ["worker"]},
///  {"agent": "boss",     "token_sha256": "<64 hex digits>", "roles": ["supervisor", "monitor"]}]
/// ```
///
/// An entry whose `agent` names one id exactly wins over every pattern; among patterns, the
/// first one in file order that matches decides. Only that one entry's token is accepted,
/// so two entries never combine their roles.
public struct TokenTable: Sendable, Equatable {
    /// The entries in file order.
    public let entries: [TokenEntry]
    /// Index of each exact (star-free) entry by its agent id.
    private let exact: [String: Int]

    /// The role names an entry may list.
    public static let roleNames: Set<String> = Set(AgentRole.allCases.map(\.rawValue))
    /// The largest tokens file read, far beyond any real deployment (a few hundred bytes per
    /// entry): a stray huge file fails fast instead of filling memory.
    public static let maximumFileBytes = 16 * 1_048_576

    /// Compared against when no entry matches, so an unknown agent costs the same hash and
    /// comparison as a known one with a wrong token (the reply time tells nothing).
    private static let dummyDigest = AgentToken.sha256Hex("agentd: no such agent")

    /// A table of `entries`, in this order.
    /// - Throws: `TokenTableError` when two entries name the same exact agent id.
    public init(entries: [TokenEntry]) throws(TokenTableError) {
        var exact: [String: Int] = [:]
        for (index, entry) in entries.enumerated() where entry.agent.isExact {
            if let earlier = exact[entry.agent.text] {
                throw TokenTableError(entry: index, "agent: \"\(entry.agent.text)\" is already listed by entry [\(earlier)]")
            }
            exact[entry.agent.text] = index
        }
        self.entries = entries
        self.exact = exact
    }

    /// Parses and checks the bytes of a tokens file.
    /// - Parameter bytes: the file's content, a JSON array of entries.
    /// - Throws: `TokenTableError` naming the first bad entry and field.
    public init(parsing bytes: [UInt8]) throws(TokenTableError) {
        guard bytes.count <= Self.maximumFileBytes else {
            throw TokenTableError(entry: nil, "larger than \(Self.maximumFileBytes) bytes")
        }
        let value: JSONValue
        do {
            // Entries are flat: depth 3 (array, entry, roles) is all a valid file needs.
            value = try JSONParser.parse(bytes, maximumDepth: 8)
        } catch {
            throw TokenTableError(entry: nil, "not valid JSON: \(error)")
        }
        guard let array = value.arrayValue else {
            throw TokenTableError(entry: nil, "must be a JSON array of {\"agent\", \"token_sha256\", \"roles\"} objects")
        }
        var entries: [TokenEntry] = []
        entries.reserveCapacity(array.count)
        for (index, element) in array.enumerated() {
            entries.append(try Self.entry(element, index: index))
        }
        try self.init(entries: entries)
    }

    /// The roles `agent` may register as if `token` is its token, else nil.
    ///
    /// The token is hashed once and compared in constant time with the one entry that
    /// decides for `agent` (or with a dummy digest when none does), so neither the reply nor
    /// its timing says whether the agent or the token was wrong.
    public func authenticate(agent: String, token: String) -> Set<String>? {
        let presented = AgentToken.sha256Hex(token)
        let entry = self.entry(for: agent)
        let expected = entry?.tokenSHA256 ?? Self.dummyDigest
        let equal = AgentToken.constantTimeEquals(presented, expected)
        guard equal, let entry else { return nil }
        return entry.roles
    }

    /// The entry that decides for `agent`: its exact entry, else the first matching pattern.
    public func entry(for agent: String) -> TokenEntry? {
        if let index = self.exact[agent] {
            return self.entries[index]
        }
        return self.entries.first { !$0.agent.isExact && $0.agent.matches(agent) }
    }
}
