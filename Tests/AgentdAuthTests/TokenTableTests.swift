import AgentdAuth
import Foundation
import Testing

@Suite struct TokenTableTests {
    private static let workerHash = AgentToken.sha256Hex("w-secret")
    private static let bossHash = AgentToken.sha256Hex("b-secret")

    private static func parse(_ json: String) throws(TokenTableError) -> TokenTable {
        try TokenTable(parsing: Array(json.utf8))
    }

    /// The error a file gives, or nil when it parses.
    private static func error(_ json: String) -> TokenTableError? {
        do {
            _ = try Self.parse(json)
            return nil
        } catch {
            return error
        }
    }

    private static let table: String = """
        [{"agent": "worker-*", "token_sha256": "\(workerHash)", "roles": ["worker"]},
         {"agent": "*", "token_sha256": "\(bossHash)", "roles": ["monitor"]},
         {"agent": "boss", "token_sha256": "\(bossHash.uppercased())", "roles": ["supervisor", "monitor"]},
         {"agent": "worker-0", "token_sha256": "\(bossHash)", "roles": ["coordinator"]}]
        """

    @Test func authenticateGivesTheRolesOfTheDecidingEntry() throws {
        let table = try Self.parse(Self.table)
        #expect(table.entries.count == 4)
        #expect(table.authenticate(agent: "worker-17", token: "w-secret") == ["worker"])
        // Upper-case hex in the file still matches.
        #expect(table.authenticate(agent: "boss", token: "b-secret") == ["supervisor", "monitor"])
        #expect(table.authenticate(agent: "worker-17", token: "wrong") == nil)
        #expect(table.authenticate(agent: "worker-17", token: "") == nil)
        // The first matching pattern decides: `*` comes after `worker-*`, so b-secret is not
        // accepted for a worker even though `*` would take it.
        #expect(table.authenticate(agent: "worker-17", token: "b-secret") == nil)
        #expect(table.authenticate(agent: "stranger", token: "b-secret") == ["monitor"])
        #expect(table.authenticate(agent: "stranger", token: "w-secret") == nil)
    }

    @Test func exactEntryWinsOverEarlierPatterns() throws {
        let table = try Self.parse(Self.table)
        // worker-0 is listed exactly (last in the file): only its own token counts.
        #expect(table.authenticate(agent: "worker-0", token: "b-secret") == ["coordinator"])
        #expect(table.authenticate(agent: "worker-0", token: "w-secret") == nil)
        // boss is matched by `*` first in file order, but the exact entry decides.
        #expect(table.entry(for: "boss")?.roles == ["supervisor", "monitor"])
    }

    @Test func unknownAgentWithoutPatterns() throws {
        let table = try Self.parse(#"[{"agent": "boss", "token_sha256": "\#(Self.bossHash)", "roles": ["supervisor"]}]"#)
        #expect(table.authenticate(agent: "nobody", token: "b-secret") == nil)
        #expect(table.entry(for: "nobody") == nil)
    }

    @Test func emptyFileIsAnEmptyTable() throws {
        let table = try Self.parse("[]")
        #expect(table.entries.isEmpty)
        #expect(table.authenticate(agent: "x", token: "y") == nil)
    }

    @Test func fileLevelErrors() {
        #expect(Self.error("")?.entry == nil)
        #expect(Self.error("{}")?.description.contains("must be a JSON array") == true)
        #expect(Self.error("[1,")?.description.contains("not valid JSON") == true)
    }

    @Test(arguments: [
        (#"[5]"#, 0, "must be an object"),
        (#"[{"token_sha256": "H", "roles": ["worker"]}]"#, 0, "agent: missing"),
        (#"[{"agent": 3, "token_sha256": "H", "roles": ["worker"]}]"#, 0, "agent: missing or not a string"),
        (#"[{"agent": "", "token_sha256": "H", "roles": ["worker"]}]"#, 0, "agent: empty"),
        (#"[{"agent": "a", "roles": ["worker"]}]"#, 0, "token_sha256: missing"),
        (#"[{"agent": "a", "token_sha256": "abc", "roles": ["worker"]}]"#, 0, "token_sha256: must be exactly 64 hex digits"),
        (#"[{"agent": "a", "token_sha256": "H", "roles": []}]"#, 0, "roles: empty"),
        (#"[{"agent": "a", "token_sha256": "H"}]"#, 0, "roles: missing"),
        (#"[{"agent": "a", "token_sha256": "H", "roles": "worker"}]"#, 0, "roles: missing or not an array"),
        (#"[{"agent": "a", "token_sha256": "H", "roles": ["worker", "admin"]}]"#, 0, "roles[1]: must be one of"),
        (#"[{"agent": "a", "token_sha256": "H", "roles": ["worker"], "role": "x"}]"#, 0, "role: unknown field"),
        (#"[{"agent": "a", "token_sha256": "H", "roles": ["worker"]}, {"agent": "a", "token_sha256": "H", "roles": ["worker"]}]"#,
         1, "agent: \"a\" is already listed by entry [0]"),
        (#"[{"agent": "a", "token_sha256": "H", "roles": ["worker"]}, {"agent": "b", "token_sha256": "H", "roles": [7]}]"#,
         1, "roles[0]"),
    ])
    func entryErrorsNameIndexAndField(json: String, index: Int, message: String) {
        let digest = AgentToken.sha256Hex("x")
        let error = Self.error(json.replacingOccurrences(of: "\"H\"", with: "\"\(digest)\""))
        #expect(error?.entry == index)
        #expect(error?.description.contains("entry [\(index)]: \(message)") == true, "\(String(describing: error))")
        // The digest never shows up in a message.
        #expect(error?.description.contains(digest) == false)
    }

    @Test func nonHexDigestRefused() {
        let digest = String(repeating: "g", count: 64)
        let error = Self.error(#"[{"agent": "a", "token_sha256": "\#(digest)", "roles": ["worker"]}]"#)
        #expect(error?.message.hasPrefix("token_sha256:") == true)
    }
}
