import AgentdAuth
import Testing

@Suite struct TokenTableBearerTests {
    @Test func aBearerTokenGivesTheRolesOfEveryEntryWithIt() throws {
        let table = try TokenTable(entries: [
            TokenEntry(agent: "worker-*", tokenSHA256: AgentToken.sha256Hex("shared"), roles: ["worker"]),
            TokenEntry(agent: "mon", tokenSHA256: AgentToken.sha256Hex("m"), roles: ["monitor"]),
            TokenEntry(agent: "ops", tokenSHA256: AgentToken.sha256Hex("shared"), roles: ["supervisor"]),
        ])
        #expect(table.roles(bearer: "m") == ["monitor"])
        #expect(table.roles(bearer: "shared") == ["worker", "supervisor"])
        #expect(table.roles(bearer: "nope").isEmpty)
        #expect(table.roles(bearer: "").isEmpty)
    }
}
