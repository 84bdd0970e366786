import AgentCore
import AgentdAudit
import Logging
import NIOCore

/// The registered agents of the whole system: roles, capabilities, load, status and liveness,
/// kept in the coordination store (every daemon reads and writes the same records).
///
/// Signs of life are not a store write per frame: sessions note frames in `AgentPresence`,
/// and `LivenessFlusher` writes the agents seen since its last round, in one transaction.
final class AgentRegistry: Sendable {
    let presence: AgentPresence
    let store: any CoordinationStore
    private let loop: any EventLoop
    private let logger: Logger
    private let audit: any AuditSink
    private let delegate: RegistryDelegateBox

    init(store: any CoordinationStore, presence: AgentPresence, loop: any EventLoop, logger: Logger, audit: any AuditSink = NoAuditSink()) {
        self.store = store
        self.presence = presence
        self.loop = loop
        self.logger = logger
        self.audit = audit
        self.delegate = RegistryDelegateBox()
    }

    /// Wires the registry to the coordinator (once, before serving).
    func connect(delegate: any RegistryDelegate) {
        self.delegate.set(delegate)
    }

    // MARK: Ops

    func register(_ agentID: String, _ request: RegisterRequest, now: Int64) -> EventLoopFuture<AgentRecord> {
        self.store.read(CoordinationQuery(agentIDs: [agentID]), on: self.loop).flatMap { snapshot in
            let (registered, transaction) = RegistryPlan.register(
                agentID, request, existing: snapshot.agents[agentID], now: snapshot.now
            )
            return self.store.commit(transaction, on: self.loop).map { _ in
                self.audit.record(.agentRegistered(registered))
                self.presence.setRole(request.role, for: agentID, now: now)
                self.delegate.mayTakeWork(agentID)
                return registered
            }
        }
    }

    func heartbeat(_ agentID: String, _ request: HeartbeatRequest, now: Int64) -> EventLoopFuture<Void> {
        self.store.commit(RegistryPlan.heartbeat(agentID, request), on: self.loop).flatMapThrowing { outcome in
            guard case .committed(let back) = outcome else {
                throw AgentdError.notFound("agent \(agentID) is not registered; register first")
            }
            if !back.isEmpty { self.audit.record(.agentOnline(agentID, reason: "heartbeat")) }
            self.presence.written(agentID, upTo: now)
            self.delegate.mayTakeWork(agentID)
        }
    }

    /// Writes the signs of life of `agents` (batched by `LivenessFlusher`); offline ones that
    /// are back become active and may take work again.
    func touch(_ agents: [(agent: String, lastSeen: Int64)]) -> EventLoopFuture<Void> {
        guard !agents.isEmpty else { return self.loop.makeSucceededVoidFuture() }
        let transaction = RegistryPlan.touch(agents, now: WallClock.nowMilliseconds())
        return self.store.commit(transaction, on: self.loop).map { outcome in
            guard case .committed(let back) = outcome else { return }
            for agent in back {
                self.audit.record(.agentOnline(agent, reason: "frame"))
                self.delegate.mayTakeWork(agent)
            }
        }
    }

    func deregister(_ agentID: String) -> EventLoopFuture<Void> {
        self.store.commit(RegistryPlan.deregister(agentID), on: self.loop).flatMapThrowing { outcome in
            guard case .committed = outcome else { throw AgentdError.notFound("agent \(agentID) is not registered") }
            self.audit.record(.agentDeregistered(agentID))
            self.presence.setRole(nil, for: agentID, now: 0)
            self.delegate.left([agentID], reason: "deregistered")
        }
    }

    /// The role `agentID` registered as, from the store (a connection on another daemon may
    /// have registered it); noted in `presence` for the session's role checks.
    func lookUpRole(_ agentID: String) -> EventLoopFuture<AgentRole?> {
        // Its own record only: every `hello` asks, so reading every agent would make a
        // connection's cost grow with the registry.
        self.store.read(CoordinationQuery(agentIDs: [agentID]), on: self.loop).map { snapshot in
            let role = snapshot.agents[agentID]?.role
            if let role { self.presence.setRole(role, for: agentID, now: snapshot.now) }
            return role
        }
    }

    /// Agents matching the filter, best first.
    func list(_ request: AgentsRequest) -> EventLoopFuture<[AgentRecord]> {
        self.agents().map { agents in
            var matching = agents.filter { record in
                record.holds(request.capabilities) && (request.role == nil || record.role == request.role)
                    && (!request.availableOnly || record.isAvailable)
            }
            matching.sort(by: AgentSelection.isBetter)
            return Array(matching.prefix(request.limit))
        }
    }

    /// Registered agents that are not offline and match, for `broadcast`.
    func recipients(role: AgentRole?, capabilities: [String], excluding sender: String) -> EventLoopFuture<[String]> {
        self.agents().map { agents in
            agents.filter { record in
                record.agentID != sender && record.status != .offline && record.holds(capabilities)
                    && (role == nil || record.role == role)
            }.map(\.agentID).sorted()
        }
    }

    func stats() -> EventLoopFuture<RegistryStats> {
        self.agents().map { RegistryStats($0) }
    }

    /// Every registered agent, with this daemon's own latest frames on top of the store's
    /// (written in batches): a frame seen here and not yet written already counts, and brings
    /// an offline agent back, as its write will.
    private func agents() -> EventLoopFuture<[AgentRecord]> {
        self.store.read(CoordinationQuery(agents: true), on: self.loop).map { snapshot in
            snapshot.agents.values.map { stored in
                var record = stored
                if let seen = self.presence.lastSeen(record.agentID), seen > record.lastHeartbeat {
                    record.lastHeartbeat = seen
                    if record.status == .offline { record.status = .active }
                }
                return record
            }
        }
    }

    // MARK: For the sweeper

    /// Marks agents silent for longer than `timeout` offline, each exactly once system-wide
    /// (the commit's condition: still alive with the last-seen time read); returns them and
    /// when the next agent could time out (store clock), with the store's now.
    func sweep(timeout: Int64) -> EventLoopFuture<(offline: [String], next: Int64?, now: Int64, backlog: Bool)> {
        self.store.read(CoordinationQuery(silentFor: timeout), on: self.loop).flatMap { snapshot in
            // One store step for the pass; each mark stands alone (an agent heard from since
            // the read keeps its status, the others are marked all the same).
            let marks = snapshot.silent.map { agent, seen in RegistryPlan.markOffline(agent, seen: seen) }
            return self.store.commitEach(marks, on: self.loop).map { outcomes in
                let offline = zip(snapshot.silent, outcomes).compactMap { silent, outcome -> (String, String)? in
                    if case .committed = outcome { return silent }
                    return nil
                }
                for (agent, seen) in offline {
                    self.audit.record(.agentOffline(agent, lastSeen: Int64(Double(seen) ?? 0)))
                }
                let gone = offline.map(\.0)
                if !gone.isEmpty { self.delegate.left(gone, reason: "offline") }
                // More silent ones than one read returns: come back at once.
                let backlog = snapshot.silent.count >= CoordinationQuery.silentLimit
                let next = backlog ? snapshot.now : snapshot.oldestSeen.map { $0 + timeout }
                return (gone, next, snapshot.now, backlog)
            }
        }
    }
}

extension RegistryStats {
    /// The `registry` part of `stats` over `agents`.
    init(_ agents: some Sequence<AgentRecord>) {
        self.init()
        var loadSum = 0.0
        for record in agents {
            self.totalAgents += 1
            self.byStatus[record.status, default: 0] += 1
            if record.status == .offline {
                self.offlineAgents += 1
            } else {
                self.activeAgents += 1
                loadSum += record.load
            }
        }
        self.averageLoad = self.activeAgents > 0 ? loadSum / Double(self.activeAgents) : 0
    }
}
