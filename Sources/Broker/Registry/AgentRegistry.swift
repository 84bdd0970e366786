import AgentCore
import AgentdAudit
import Dispatch
import Logging
import NIOCore

/// The registered agents: roles, capabilities, load, status and heartbeats.
///
/// All access to `agents` is guarded by `queue` (a private serial queue); public methods hop
/// onto it and answer through futures, so no event loop waits. Records are written through to
/// the store, so the registry survives a restart.
final class AgentRegistry: @unchecked Sendable {  // @unchecked: mutable state is confined to `queue`
    let queue = DispatchQueue(label: "agentd.registry")
    let presence: AgentPresence
    private let store: any RecordStore
    private let loop: any EventLoop
    private let logger: Logger
    private let heartbeatTimeout: Int64
    private let audit: any AuditSink
    private var agents: [String: AgentRecord] = [:]
    private weak var delegate: (any RegistryDelegate)?
    /// Told the earliest moment an agent could time out, so it never sleeps past it.
    private var wakeSweeper: (@Sendable (Int64) -> Void)?

    init(
        store: any RecordStore,
        presence: AgentPresence,
        heartbeatTimeoutMilliseconds: Int,
        loop: any EventLoop,
        logger: Logger,
        audit: any AuditSink = NoAuditSink()
    ) {
        self.audit = audit
        self.store = store
        self.presence = presence
        self.heartbeatTimeout = Int64(heartbeatTimeoutMilliseconds)
        self.loop = loop
        self.logger = logger
    }

    /// Wires the registry to the coordinator and the sweeper (once, before serving).
    func connect(delegate: any RegistryDelegate, wakeSweeper: @escaping @Sendable (Int64) -> Void) {
        self.queue.sync {
            self.delegate = delegate
            self.wakeSweeper = wakeSweeper
        }
    }

    /// Loads the registered agents from the store. Their last heartbeat is as stored, so agents
    /// that do not come back are marked offline by the sweeper after the heartbeat timeout.
    func load() -> EventLoopFuture<Int> {
        self.store.loadRecords(.agent, on: self.loop).map { records in
            let loaded = records.compactMap(AgentRecord.init(stored:))
            self.queue.sync {
                for var record in loaded {
                    // Nothing is assigned to anyone yet in this process; the coordinator re-adds its tasks.
                    record.currentTasks = 0
                    self.agents[record.agentID] = record
                    self.presence.setRole(record.role, for: record.agentID, now: record.lastHeartbeat)
                }
            }
            return loaded.count
        }
    }

    // MARK: Ops

    func register(_ agentID: String, _ request: RegisterRequest, now: Int64) -> EventLoopFuture<AgentRecord> {
        self.onQueue { () throws(AgentdError) -> AgentRecord in
            var record = self.agents[agentID] ?? AgentRecord(
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
            self.agents[agentID] = record
            self.audit.record(.agentRegistered(record))
            self.presence.setRole(request.role, for: agentID, now: now)
            self.changed(record, mayTakeWork: true)
            return record
        }
    }

    func heartbeat(_ agentID: String, _ request: HeartbeatRequest, now: Int64) -> EventLoopFuture<Void> {
        self.onQueue { () throws(AgentdError) in
            guard var record = self.agents[agentID] else {
                throw .notFound("agent \(agentID) is not registered; register first")
            }
            record.lastHeartbeat = now
            if record.status == .offline { self.audit.record(.agentOnline(agentID, reason: "heartbeat")) }
            if let status = request.status {
                record.status = status
            } else if record.status == .offline {
                record.status = .active
            }
            if let current = request.currentTasks {
                record.currentTasks = current
            }
            self.agents[agentID] = record
            self.changed(record, mayTakeWork: true)
        }
    }

    /// A frame came from an agent the sweeper had marked offline.
    func cameBack(_ agentID: String, now: Int64) {
        self.queue.async {
            guard var record = self.agents[agentID], record.status == .offline else { return }
            self.audit.record(.agentOnline(agentID, reason: "frame"))
            record.status = .active
            record.lastHeartbeat = now
            self.agents[agentID] = record
            self.changed(record, mayTakeWork: true)
        }
    }

    func deregister(_ agentID: String) -> EventLoopFuture<Void> {
        self.onQueue { () throws(AgentdError) in
            guard self.agents.removeValue(forKey: agentID) != nil else {
                throw .notFound("agent \(agentID) is not registered")
            }
            self.audit.record(.agentDeregistered(agentID))
            self.presence.setRole(nil, for: agentID, now: 0)
            self.store.deleteRecord(.agent, id: agentID, on: self.loop).whenFailure { error in
                self.logger.warning("could not delete agent record", metadata: ["agentd.agent_id": "\(agentID)", "agentd.error": "\(error)"])
            }
            let delegate = self.delegate
            DispatchQueue.global().async { delegate?.agentsLeft([agentID], reason: "deregistered") }
        }
    }

    /// Agents matching the filter, best first.
    func list(_ request: AgentsRequest) -> EventLoopFuture<[AgentRecord]> {
        self.onQueue { () throws(AgentdError) -> [AgentRecord] in
            var matching: [AgentRecord] = []
            for var record in self.agents.values {
                guard record.holds(request.capabilities) else { continue }
                if let role = request.role, record.role != role { continue }
                if request.availableOnly && !record.isAvailable { continue }
                if let seen = self.presence.lastSeen(record.agentID), seen > record.lastHeartbeat {
                    record.lastHeartbeat = seen
                }
                matching.append(record)
            }
            matching.sort(by: AgentSelection.isBetter)
            return Array(matching.prefix(request.limit))
        }
    }

    /// Registered agents that are not offline and match, for `broadcast`.
    func recipients(role: AgentRole?, capabilities: [String], excluding sender: String) -> EventLoopFuture<[String]> {
        self.onQueue { () throws(AgentdError) -> [String] in
            self.agents.values.filter { record in
                record.agentID != sender && record.status != .offline && record.holds(capabilities)
                    && (role == nil || record.role == role)
            }.map(\.agentID).sorted()
        }
    }

    func stats() -> EventLoopFuture<RegistryStats> {
        self.onQueue { () throws(AgentdError) -> RegistryStats in
            var stats = RegistryStats()
            var loadSum = 0.0
            for record in self.agents.values {
                stats.totalAgents += 1
                stats.byStatus[record.status, default: 0] += 1
                if record.status == .offline {
                    stats.offlineAgents += 1
                } else {
                    stats.activeAgents += 1
                    loadSum += record.load
                }
            }
            stats.averageLoad = stats.activeAgents > 0 ? loadSum / Double(stats.activeAgents) : 0
            return stats
        }
    }

    // MARK: For the coordinator (called on its queue; synchronous, short)

    /// Picks the best agent for a task and counts the task against it.
    func reserve(for required: [String], avoiding: Set<String>) -> String? {
        self.queue.sync {
            guard var best = AgentSelection.best(for: required, among: self.agents.values, avoiding: avoiding) else {
                return nil
            }
            best.currentTasks += 1
            self.agents[best.agentID] = best
            self.changed(best, mayTakeWork: false)
            return best.agentID
        }
    }

    /// Counts a task recovered at start against its assignee.
    func hold(_ agentID: String) {
        self.queue.sync {
            self.agents[agentID]?.currentTasks += 1
        }
    }

    /// A task of `agentID` ended: one slot is free again.
    func release(_ agentID: String) {
        self.queue.sync {
            guard var record = self.agents[agentID] else { return }
            record.currentTasks = max(0, record.currentTasks - 1)
            self.agents[agentID] = record
            self.changed(record, mayTakeWork: false)
        }
    }

    // MARK: For the sweeper

    /// Registered agents now.
    var count: Int {
        self.queue.sync { self.agents.count }
    }

    /// Marks agents silent for longer than the heartbeat timeout offline; returns them and the
    /// earliest moment another agent could time out. One pass over the agents: O(n).
    func sweep(now: Int64) -> (offline: [String], nextDeadline: Int64?) {
        self.queue.sync {
            var offline: [String] = []
            var next: Int64?
            for (id, var record) in self.agents where record.status != .offline {
                let seen = max(record.lastHeartbeat, self.presence.lastSeen(id) ?? 0)
                let deadline = seen + self.heartbeatTimeout
                if deadline <= now {
                    record.status = .offline
                    record.lastHeartbeat = seen
                    self.agents[id] = record
                    self.presence.setOffline(true, for: id)
                    self.persist(record)
                    self.audit.record(.agentOffline(id, lastSeen: seen))
                    offline.append(id)
                } else {
                    next = min(next ?? deadline, deadline)
                }
            }
            if !offline.isEmpty {
                let delegate = self.delegate
                let gone = offline
                DispatchQueue.global().async { delegate?.agentsLeft(gone, reason: "offline") }
            }
            return (offline, next)
        }
    }

    // MARK: Helpers

    /// Runs `body` on the queue and answers through a future on the registry's loop.
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws(AgentdError) -> T) -> EventLoopFuture<T> {
        self.queue.future(on: self.loop, body)
    }

    private func changed(_ record: AgentRecord, mayTakeWork: Bool) {
        dispatchPrecondition(condition: .onQueue(self.queue))
        self.persist(record)
        self.wakeSweeper?(record.lastHeartbeat + self.heartbeatTimeout)
        if mayTakeWork && record.isAvailable {
            let delegate = self.delegate
            let id = record.agentID
            DispatchQueue.global().async { delegate?.agentMayTakeWork(id) }
        }
    }

    private func persist(_ record: AgentRecord) {
        dispatchPrecondition(condition: .onQueue(self.queue))
        self.store.saveRecord(.agent, id: record.agentID, json: record.storedJSON, on: self.loop).whenFailure { error in
            self.audit.record(.storeError("save_agent", agent: record.agentID, error))
            self.logger.warning("could not save agent record", metadata: ["agentd.agent_id": "\(record.agentID)", "agentd.error": "\(error)"])
        }
    }
}
