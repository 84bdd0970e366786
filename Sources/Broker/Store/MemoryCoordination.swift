import AgentCore

/// The coordination state of the memory backend: the same data and rules as the Redis
/// scripts (`RedisScripts+Coordination`), for one process. Mutated only under its store's lock.
struct MemoryCoordination {
    struct Agent {
        var record: AgentRecord
        var seen: Int64
        var alive: Bool
    }

    var agents: [String: Agent] = [:]
    var tasks: [String: VersionedTask] = [:]
    var pending: [String: Double] = [:]
    var deadlines: [String: Int64] = [:]
    var finished: [String: Int64] = [:]
    var held: [String: Set<String>] = [:]
    var counts: [TaskState: Int] = [:]
    var outbox: [OutboxMessage] = []

    func read(_ query: CoordinationQuery, now: Int64) -> CoordinationSnapshot {
        var snapshot = CoordinationSnapshot(now: now, counts: self.counts)
        for (id, agent) in self.agents where query.agents || query.agentIDs.contains(id) {
            var record = agent.record
            record.lastHeartbeat = agent.seen
            snapshot.agents[id] = record
        }
        var wanted = Set(query.taskIDs)
        snapshot.pending = Array(self.pending.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(query.pendingHead).map(\.key))
        snapshot.due = Array(self.deadlines.filter { $0.value <= now }.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(query.dueDeadlines).map(\.key))
        snapshot.nextDeadline = self.deadlines.values.min()
        wanted.formUnion(snapshot.pending)
        wanted.formUnion(snapshot.due)
        for agent in query.heldBy {
            let ids = Array(self.held[agent] ?? [])
            snapshot.held[agent] = ids
            wanted.formUnion(ids)
        }
        if let age = query.finishedFor {
            snapshot.finished = Array(self.finished.filter { $0.value <= now - age }.sorted { $0.value < $1.value }.prefix(100).map(\.key))
            wanted.formUnion(snapshot.finished)
        }
        if query.allTasks {
            snapshot.tasks = self.tasks
        } else {
            for id in wanted { snapshot.tasks[id] = self.tasks[id] }
        }
        if let silentFor = query.silentFor {
            let alive = self.agents.filter(\.value.alive)
            snapshot.silent = alive.filter { $0.value.seen <= now - silentFor }.sorted { $0.value.seen < $1.value.seen }
                .prefix(CoordinationQuery.silentLimit).map { ($0.key, String($0.value.seen)) }
            snapshot.oldestSeen = alive.values.map(\.seen).min()
        }
        return snapshot
    }

    mutating func commit(_ transaction: CoordinationTransaction, now: Int64) -> CommitOutcome {
        for condition in transaction.conditions {
            switch condition {
            case .taskVersion(let id, let version):
                guard (self.tasks[id]?.version ?? 0) == version else { return .conflict }
            case .freeSlots(let agent, let count):
                guard let record = self.agents[agent]?.record, record.status.acceptsTasks,
                    record.currentTasks + count <= record.maxConcurrentTasks
                else { return .conflict }
            case .silentSince(let agent, let seen):
                guard let entry = self.agents[agent], entry.alive, String(entry.seen) == seen else { return .conflict }
            case .registered(let agent):
                guard self.agents[agent] != nil else { return .conflict }
            }
        }
        var back: [String] = []
        for write in transaction.writes {
            switch write {
            case .putTask(let task):
                let version = (self.tasks[task.taskID]?.version ?? 0) + 1
                self.tasks[task.taskID] = VersionedTask(record: task, version: version)
            case .deleteTask(let id):
                self.tasks[id] = nil
            case .addLoad(let agent, let delta):
                if let current = self.agents[agent]?.record.currentTasks {
                    self.agents[agent]?.record.currentTasks = max(0, current + delta)
                }
            case .setLoad(let agent, let value):
                self.agents[agent]?.record.currentTasks = value
            case .status(let agent, let status):
                self.agents[agent]?.record.status = status
                if status == .offline { self.agents[agent]?.alive = false }
            case .putAgent(let record):
                var stored = record
                stored.currentTasks = self.agents[record.agentID]?.record.currentTasks ?? 0
                stored.status = self.agents[record.agentID]?.record.status ?? record.status
                self.agents[record.agentID] = Agent(record: stored, seen: self.agents[record.agentID]?.seen ?? now, alive: self.agents[record.agentID]?.alive ?? true)
            case .deleteAgent(let agent):
                self.agents[agent] = nil
            case .seen(let agent):
                self.agents[agent]?.seen = now
                if self.agents[agent]?.record.status != .offline { self.agents[agent]?.alive = true }
            case .pending(let id, let score):
                self.pending[id] = score
            case .deadline(let id, let at):
                self.deadlines[id] = at
            case .finished(let id, let at):
                self.finished[id] = at
            case .held(let agent, let task, let on):
                if on { self.held[agent, default: []].insert(task) } else { self.held[agent]?.remove(task) }
            case .count(let state, let delta):
                self.counts[state, default: 0] += delta
            case .outbox(let message):
                self.outbox.append(message)
            case .touch(let agent, let age):
                guard let entry = self.agents[agent] else { continue }
                self.agents[agent]?.seen = max(entry.seen, now - age)
                self.agents[agent]?.alive = true
                if self.agents[agent]?.record.status == .offline {
                    self.agents[agent]?.record.status = .active
                    back.append(agent)
                }
            }
        }
        return .committed(cameBack: back)
    }
}
