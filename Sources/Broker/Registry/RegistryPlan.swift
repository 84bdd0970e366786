import AgentCore

/// The registry's decisions as values: each op's new record and the transaction that commits
/// it, from a snapshot. `AgentRegistry` only reads, commits and reports; tests apply these to
/// the memory store's coordination state, with no clock but the one they pass.
enum RegistryPlan {
    /// `register`: a new record, or the existing one updated (its `registered_at` and load
    /// kept; an offline agent comes back active).
    static func register(
        _ agentID: String,
        _ request: RegisterRequest,
        existing: AgentRecord?,
        now: Int64
    ) -> (AgentRecord, CoordinationTransaction) {
        var record = existing ?? AgentRecord(
            agentID: agentID,
            role: request.role,
            capabilities: [],
            maxConcurrentTasks: 1,
            currentTasks: 0,
            status: .active,
            lastHeartbeat: now,
            registeredAt: now,
            metadata: JSONObject()
        )
        record.role = request.role
        record.capabilities = request.capabilities
        record.maxConcurrentTasks = request.maxConcurrentTasks
        record.metadata = request.metadata
        record.lastHeartbeat = now
        if record.status == .offline { record.status = .active }
        var transaction = CoordinationTransaction()
        transaction.writes = [.putAgent(record), .status(agentID, record.status), .seen(agentID)]
        return (record, transaction)
    }

    /// `heartbeat`: a sign of life now, and the status and load it names (omitted ones keep
    /// their value). Conditional on the agent being registered.
    static func heartbeat(_ agentID: String, _ request: HeartbeatRequest) -> CoordinationTransaction {
        var transaction = CoordinationTransaction()
        transaction.conditions = [.registered(agentID)]
        transaction.writes = [.touch(agentID, ageMilliseconds: 0)]
        if let status = request.status {
            transaction.writes.append(.status(agentID, status))
        }
        if let current = request.currentTasks {
            transaction.writes.append(.setLoad(agentID, current))
        }
        return transaction
    }

    /// The batched signs of life of `agents`, their last frames `now - lastSeen` ms ago (ages,
    /// not times: the store puts them on its own clock).
    static func touch(_ agents: [(agent: String, lastSeen: Int64)], now: Int64) -> CoordinationTransaction {
        var transaction = CoordinationTransaction()
        transaction.writes = agents.map { .touch($0.agent, ageMilliseconds: now - $0.lastSeen) }
        return transaction
    }

    /// `deregister`, conditional on the agent being registered.
    static func deregister(_ agentID: String) -> CoordinationTransaction {
        var transaction = CoordinationTransaction()
        transaction.conditions = [.registered(agentID)]
        transaction.writes = [.deleteAgent(agentID)]
        return transaction
    }

    /// A silent agent marked offline, only if it is still alive with the last-seen time the
    /// sweep read: whichever daemon commits first marks it, the others' commits fail.
    static func markOffline(_ agent: String, seen: String) -> CoordinationTransaction {
        var transaction = CoordinationTransaction()
        transaction.conditions = [.silentSince(agent, seen)]
        transaction.writes = [.status(agent, .offline)]
        return transaction
    }
}
