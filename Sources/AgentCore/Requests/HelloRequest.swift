/// `hello {agent_id, token?}`: names the session's agent.
public struct HelloRequest: Sendable {
    /// The agent this session speaks for.
    public var agentID: String
    /// The token, required when `auth.mode = token`.
    public var token: String?

    /// Reads and validates the fields of a `hello`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        let id = try fields.string("agent_id")
        guard AgentID.isValid(id) else {
            throw .badRequest("agent_id: must be 1-128 characters of A-Z a-z 0-9 . _ : @ -")
        }
        self.agentID = id
        // 4 KiB is far beyond any real token and keeps hostile input cheap.
        self.token = try fields.optionalString("token", maxLength: 4_096)
    }
}
