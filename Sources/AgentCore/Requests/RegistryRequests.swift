/// `register {role, capabilities, max_concurrent_tasks?, metadata?}`.
public struct RegisterRequest: Sendable {
    /// Most capabilities of one agent; each names a skill, so a few dozen is plenty.
    public static let maximumCapabilities = 256

    /// The role to register as.
    public var role: AgentRole
    /// What the agent can do.
    public var capabilities: [String]
    /// Tasks it may hold at once (≥ 1, default 1).
    public var maxConcurrentTasks: Int
    /// Free-form, echoed in `agents`.
    public var metadata: JSONObject

    /// Reads a `register`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        guard let role = try fields.optionalEnum("role", AgentRole.self) else {
            throw .badRequest("role: missing")
        }
        self.role = role
        // Required by the contract (an agent with none sends `[]`).
        guard let capabilities = try readCapabilities(fields, "capabilities") else {
            throw .badRequest("capabilities: missing")
        }
        self.capabilities = capabilities
        self.maxConcurrentTasks = try fields.optionalInt("max_concurrent_tasks", in: 1...100_000) ?? 1
        self.metadata = try fields.optionalObject("metadata") ?? JSONObject()
    }
}

/// `heartbeat {status?, current_tasks?}`.
public struct HeartbeatRequest: Sendable {
    /// The status the agent reports, if any.
    public var status: AgentStatus?
    /// The agent's own count of tasks it holds, if given.
    public var currentTasks: Int?

    /// Reads a `heartbeat`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        self.status = try fields.optionalEnum("status", AgentStatus.self)
        self.currentTasks = try fields.optionalInt("current_tasks", in: 0...1_000_000)
    }
}

/// `agents {capabilities?, role?, available?, limit?}`.
public struct AgentsRequest: Sendable {
    /// Agents must hold every one of these.
    public var capabilities: [String]
    /// Only this role.
    public var role: AgentRole?
    /// Only agents that could take a task now.
    public var availableOnly: Bool
    /// How many at most (1...1000, default 100).
    public var limit: Int

    /// Reads an `agents`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        self.capabilities = try readCapabilities(fields, "capabilities") ?? []
        self.role = try fields.optionalEnum("role", AgentRole.self)
        self.availableOnly = try fields.optionalBool("available") ?? false
        self.limit = try fields.optionalInt("limit", in: 1...1_000) ?? 100
    }
}

/// Reads a list of capability names (each 1–128 bytes).
func readCapabilities(_ fields: FieldReader, _ key: String) throws(AgentdError) -> [String]? {
    guard let list = try fields.optionalStrings(key, maxCount: RegisterRequest.maximumCapabilities) else {
        return nil
    }
    for (index, name) in list.enumerated() where name.isEmpty || name.utf8.count > 128 {
        throw .badRequest("\(key)[\(index)]: must be 1-128 bytes")
    }
    return list
}
