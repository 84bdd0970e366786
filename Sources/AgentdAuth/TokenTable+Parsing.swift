import AgentCore

extension TokenTable {
    /// The fields an entry may have; anything else is refused, so a misspelt key is an error
    /// at start rather than an entry that silently does something else.
    private static let fieldNames: Set<String> = ["agent", "token_sha256", "roles"]

    /// Reads entry `index` of the array.
    static func entry(_ value: JSONValue, index: Int) throws(TokenTableError) -> TokenEntry {
        guard let object = value.objectValue else {
            throw TokenTableError(entry: index, "must be an object with \"agent\", \"token_sha256\" and \"roles\"")
        }
        for (key, _) in object where !Self.fieldNames.contains(key) {
            throw TokenTableError(entry: index, "\(String(key.prefix(64))): unknown field (expected agent, token_sha256, roles)")
        }
        guard let agent = object["agent"]?.stringValue else {
            throw TokenTableError(entry: index, "agent: missing or not a string")
        }
        guard !agent.isEmpty else {
            throw TokenTableError(entry: index, "agent: empty (use an agent id, or a pattern such as \"worker-*\")")
        }
        guard agent.utf8.count <= AgentID.maximumLength else {
            throw TokenTableError(entry: index, "agent: longer than \(AgentID.maximumLength) characters")
        }
        guard let digest = object["token_sha256"]?.stringValue else {
            throw TokenTableError(entry: index, "token_sha256: missing or not a string")
        }
        // The digest itself is never quoted: it is not secret, but logs need not carry it.
        guard digest.utf8.count == 64, digest.utf8.allSatisfy(Self.isHexDigit) else {
            throw TokenTableError(entry: index, "token_sha256: must be exactly 64 hex digits (the SHA-256 of the token; `agentctl token` prints it)")
        }
        guard let roleValues = object["roles"]?.arrayValue else {
            throw TokenTableError(entry: index, "roles: missing or not an array")
        }
        guard !roleValues.isEmpty else {
            throw TokenTableError(entry: index, "roles: empty (list at least one of \(Self.roleList))")
        }
        var roles: Set<String> = []
        for (position, role) in roleValues.enumerated() {
            guard let name = role.stringValue, Self.roleNames.contains(name) else {
                throw TokenTableError(entry: index, "roles[\(position)]: must be one of \(Self.roleList)")
            }
            roles.insert(name)
        }
        return TokenEntry(agent: agent, tokenSHA256: digest, roles: roles)
    }

    /// The role names, in a stable order for messages.
    static var roleList: String {
        AgentRole.allCases.map(\.rawValue).joined(separator: ", ")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"), UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default:
            false
        }
    }
}
