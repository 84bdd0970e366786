import AgentCore

/// A registered agent (the contract's AgentInfo).
struct AgentRecord: Sendable {
    var agentID: String
    var role: AgentRole
    var capabilities: [String]
    var maxConcurrentTasks: Int
    var currentTasks: Int
    var status: AgentStatus
    /// Epoch ms of the latest frame from any of the agent's connections (or heartbeat).
    var lastHeartbeat: Int64
    var registeredAt: Int64
    var metadata: JSONObject

    /// `current_tasks / max_concurrent_tasks`: the ordering key of "best first".
    var load: Double { Double(self.currentTasks) / Double(max(1, self.maxConcurrentTasks)) }

    /// Whether a task could be assigned to it now.
    var isAvailable: Bool { self.status.acceptsTasks && self.currentTasks < self.maxConcurrentTasks }

    func holds(_ required: [String]) -> Bool {
        required.allSatisfy { self.capabilities.contains($0) }
    }

    /// The wire form (AgentInfo).
    func write(to w: inout JSONWriter) {
        w.writeRaw("{\"agent_id\":")
        w.writeString(self.agentID)
        w.writeRaw(",\"role\":")
        w.writeString(self.role.rawValue)
        w.writeRaw(",\"capabilities\":[")
        for (index, capability) in self.capabilities.enumerated() {
            if index > 0 { w.writeRaw(",") }
            w.writeString(capability)
        }
        w.writeRaw("],\"max_concurrent_tasks\":")
        w.writeInt(self.maxConcurrentTasks)
        w.writeRaw(",\"current_tasks\":")
        w.writeInt(self.currentTasks)
        w.writeRaw(",\"status\":")
        w.writeString(self.status.rawValue)
        w.writeRaw(",\"last_heartbeat\":\"")
        w.writeTimestamp(Timestamp(millisecondsSinceEpoch: self.lastHeartbeat))
        w.writeRaw("\",\"registered_at\":\"")
        w.writeTimestamp(Timestamp(millisecondsSinceEpoch: self.registeredAt))
        w.writeRaw("\",\"metadata\":")
        w.writeValue(.object(self.metadata))
        w.writeRaw("}")
    }

    /// The stored form: the wire form plus exact epoch milliseconds for the two times.
    var storedJSON: [UInt8] {
        var object = JSONObject()
        object["agent_id"] = .string(self.agentID)
        object["role"] = .string(self.role.rawValue)
        object["capabilities"] = .array(self.capabilities.map { .string($0) })
        object["max_concurrent_tasks"] = .number(JSONNumber(self.maxConcurrentTasks))
        object["current_tasks"] = .number(JSONNumber(self.currentTasks))
        object["status"] = .string(self.status.rawValue)
        object["last_heartbeat_ms"] = .number(JSONNumber(self.lastHeartbeat))
        object["registered_at_ms"] = .number(JSONNumber(self.registeredAt))
        object["metadata"] = .object(self.metadata)
        return JSONValue.object(object).jsonBytes
    }

    init(
        agentID: String,
        role: AgentRole,
        capabilities: [String],
        maxConcurrentTasks: Int,
        currentTasks: Int,
        status: AgentStatus,
        lastHeartbeat: Int64,
        registeredAt: Int64,
        metadata: JSONObject
    ) {
        self.agentID = agentID
        self.role = role
        self.capabilities = capabilities
        self.maxConcurrentTasks = maxConcurrentTasks
        self.currentTasks = currentTasks
        self.status = status
        self.lastHeartbeat = lastHeartbeat
        self.registeredAt = registeredAt
        self.metadata = metadata
    }

    /// Reads the stored form; nil when it is not one (a record from another version).
    init?(stored bytes: [UInt8]) {
        guard case .object(let o)? = try? JSONParser.parse(bytes),
            case .string(let id)? = o["agent_id"],
            case .string(let roleName)? = o["role"], let role = AgentRole(rawValue: roleName),
            case .string(let statusName)? = o["status"], let status = AgentStatus(rawValue: statusName)
        else { return nil }
        self.agentID = id
        self.role = role
        self.status = status
        self.capabilities = (o["capabilities"]?.arrayValue ?? []).compactMap(\.stringValue)
        self.maxConcurrentTasks = o["max_concurrent_tasks"]?.intValue ?? 1
        self.currentTasks = o["current_tasks"]?.intValue ?? 0
        self.lastHeartbeat = o["last_heartbeat_ms"]?.int64Value ?? 0
        self.registeredAt = o["registered_at_ms"]?.int64Value ?? 0
        self.metadata = o["metadata"]?.objectValue ?? JSONObject()
    }
}
