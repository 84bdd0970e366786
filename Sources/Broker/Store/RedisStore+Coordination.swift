import AgentCore
import NIOCore
import RedisStreams

/// The coordination state on Redis (`RedisScripts+Coordination`).
extension RedisStore: CoordinationStore {
    /// `P:{P}:`: every coordination key carries the prefix as its hash tag (one slot).
    var coordinationBase: String {
        self.keys.prefix + ":{" + self.keys.prefix + "}:"
    }

    func read(_ query: CoordinationQuery, on loop: any EventLoop) -> EventLoopFuture<CoordinationSnapshot> {
        var tail = RedisCommand()
        tail.append(0)
        tail.append(self.coordinationBase)
        // "1" every agent, "0" none, "=" and a comma list for some (ids never hold a comma).
        tail.append(query.agents ? "1" : query.agentIDs.isEmpty ? "0" : "=" + query.agentIDs.joined(separator: ","))
        tail.append(query.allTasks ? "1" : "0")
        tail.append(query.pendingHead)
        tail.append(query.dueDeadlines)
        tail.append(query.silentFor.map(String.init) ?? "")
        tail.append(query.finishedFor.map(String.init) ?? "")
        tail.append(query.taskIDs.count)
        for id in query.taskIDs { tail.append(id) }
        tail.append(query.heldBy.count)
        for agent in query.heldBy { tail.append(agent) }
        return self.run(RedisScripts.coordinationRead, tail, on: loop).flatMapThrowing { reply in
            guard let parts = reply.array, parts.count == 11, let now = parts[0].int else {
                throw Self.unexpected("coordread", reply)
            }
            var snapshot = CoordinationSnapshot(now: now)
            let counts = parts[1].array ?? []
            for index in stride(from: 0, to: counts.count - 1, by: 2) {
                if let state = counts[index].string.flatMap(TaskState.init(rawValue:)) {
                    snapshot.counts[state] = Int(counts[index + 1].string ?? "") ?? 0
                }
            }
            let agents = parts[2].array ?? []
            for index in stride(from: 0, to: agents.count - 4, by: 5) {
                guard let bytes = agents[index + 1].bytes, var record = AgentRecord(stored: bytes) else { continue }
                record.status = agents[index + 2].string.flatMap(AgentStatus.init(rawValue:)) ?? record.status
                record.currentTasks = Int(agents[index + 3].string ?? "") ?? 0
                record.lastHeartbeat = Int64(Double(agents[index + 4].string ?? "") ?? 0)
                snapshot.agents[record.agentID] = record
            }
            let tasks = parts[3].array ?? []
            for index in stride(from: 0, to: tasks.count - 2, by: 3) {
                guard let bytes = tasks[index + 2].bytes, let record = TaskRecord(stored: bytes) else { continue }
                snapshot.tasks[record.taskID] = VersionedTask(record: record, version: Int64(tasks[index + 1].string ?? "") ?? 0)
            }
            snapshot.pending = (parts[4].array ?? []).compactMap(\.string)
            snapshot.due = (parts[5].array ?? []).compactMap(\.string)
            snapshot.nextDeadline = parts[6].string.flatMap(Double.init).map { Int64($0) }
            let silent = parts[7].array ?? []
            for index in stride(from: 0, to: silent.count - 1, by: 2) {
                if let agent = silent[index].string, let seen = silent[index + 1].string {
                    snapshot.silent.append((agent, seen))
                }
            }
            snapshot.oldestSeen = parts[8].string.flatMap(Double.init).map { Int64($0) }
            let held = parts[9].array ?? []
            for index in stride(from: 0, to: held.count - 1, by: 2) {
                if let agent = held[index].string {
                    snapshot.held[agent] = (held[index + 1].array ?? []).compactMap(\.string)
                }
            }
            snapshot.finished = (parts[10].array ?? []).compactMap(\.string)
            return snapshot
        }
    }

    func commit(_ transaction: CoordinationTransaction, on loop: any EventLoop) -> EventLoopFuture<CommitOutcome> {
        var tail = RedisCommand()
        tail.append(0)
        tail.append(self.coordinationBase)
        Self.append(transaction, to: &tail)
        let wait = self.waitCommand.map { [$0] } ?? []
        return self.call([.script(RedisScripts.coordinationCommit, tail)] + wait, on: loop).flatMap { replies in
            Self.checked(replies[0], RedisScripts.coordinationCommit.name, on: loop).flatMapThrowing { reply in
                if !wait.isEmpty, reply.array?.first?.int == 1 { try self.checkWait(replies[1]) }
                return reply
            }
        }.flatMapThrowing { try Self.outcome($0) }
    }

    func commitEach(_ transactions: [CoordinationTransaction], on loop: any EventLoop) -> EventLoopFuture<[CommitOutcome]> {
        guard !transactions.isEmpty else { return loop.makeSucceededFuture([]) }
        var tail = RedisCommand()
        tail.append(0)
        tail.append(self.coordinationBase)
        for transaction in transactions {
            var arguments = RedisCommand()
            Self.append(transaction, to: &arguments)
            tail.append(arguments.arguments.count)
            tail.append(contentsOf: arguments)
        }
        let wait = self.waitCommand.map { [$0] } ?? []
        return self.call([.script(RedisScripts.coordinationCommitEach, tail)] + wait, on: loop).flatMap { replies in
            Self.checked(replies[0], RedisScripts.coordinationCommitEach.name, on: loop).flatMapThrowing { reply in
                if !wait.isEmpty { try self.checkWait(replies[1]) }
                return reply
            }
        }.flatMapThrowing { reply in
            guard let answers = reply.array, answers.count == transactions.count else {
                throw Self.unexpected("coordcommiteach", reply)
            }
            return try answers.map(Self.outcome)
        }
    }

    /// One transaction's operations, as `coordcommit` reads them.
    private static func append(_ transaction: CoordinationTransaction, to tail: inout RedisCommand) {
        for condition in transaction.conditions {
            switch condition {
            case .taskVersion(let id, let version): tail.append("v"); tail.append(id); tail.append(version)
            case .freeSlots(let agent, let count): tail.append("s"); tail.append(agent); tail.append(count)
            case .silentSince(let agent, let seen): tail.append("a"); tail.append(agent); tail.append(seen)
            case .registered(let agent): tail.append("r"); tail.append(agent)
            }
        }
        for write in transaction.writes {
            switch write {
            case .putTask(let task): tail.append("T"); tail.append(task.taskID); tail.append(task.storedJSON)
            case .deleteTask(let id): tail.append("D"); tail.append(id)
            case .addLoad(let agent, let delta): tail.append("L"); tail.append(agent); tail.append(delta)
            case .setLoad(let agent, let value): tail.append("l"); tail.append(agent); tail.append(value)
            case .status(let agent, let status): tail.append("S"); tail.append(agent); tail.append(status.rawValue)
            case .putAgent(let record):
                tail.append("A"); tail.append(record.agentID); tail.append(record.storedJSON); tail.append(record.maxConcurrentTasks)
            case .deleteAgent(let agent): tail.append("X"); tail.append(agent)
            case .seen(let agent): tail.append("N"); tail.append(agent)
            case .pending(let id, let score): tail.append("P"); tail.append(id); tail.append(score.map { String(Int64($0)) } ?? "")
            case .deadline(let id, let at): tail.append("E"); tail.append(id); tail.append(at.map(String.init) ?? "")
            case .finished(let id, let at): tail.append("F"); tail.append(id); tail.append(at.map(String.init) ?? "")
            case .held(let agent, let task, let on): tail.append("H"); tail.append(agent); tail.append(task); tail.append(on ? "1" : "0")
            case .count(let state, let delta): tail.append("C"); tail.append(state.rawValue); tail.append(delta)
            case .outbox(let message): tail.append("O"); tail.append(message.packed)
            case .touch(let agent, let age): tail.append("t"); tail.append(agent); tail.append(max(0, age))
            }
        }
    }

    /// A commit's answer: {1, came back} or {0, failed condition}.
    private static func outcome(_ reply: RedisReply) throws -> CommitOutcome {
        guard let parts = reply.array, parts.count == 2 else { throw Self.unexpected("coordcommit", reply) }
        guard parts[0].int == 1 else { return .conflict }
        return .committed(cameBack: (parts[1].array ?? []).compactMap(\.string))
    }

    func staleOutbox(olderThan: Int64, on loop: any EventLoop) -> EventLoopFuture<[OutboxMessage]> {
        let commands: [StoreCommand] = [
            .plain(RedisCommand("LRANGE", self.coordinationBase + "outbox", "0", "99")),
            .plain(RedisCommand("TIME")),
        ]
        return self.call(commands, on: loop).map { replies in
            let time = replies[1].array ?? []
            let seconds = Int64(time.first?.string ?? "") ?? 0
            let micros = Int64(time.count > 1 ? time[1].string ?? "" : "") ?? 0
            let now = seconds * 1_000 + micros / 1_000
            return (replies[0].array ?? []).compactMap { $0.bytes.flatMap(OutboxMessage.init(packed:)) }
                .filter { $0.at <= now - olderThan }
        }
    }

    func removeFromOutbox(_ message: OutboxMessage, on loop: any EventLoop) -> EventLoopFuture<Void> {
        var command = RedisCommand("LREM", self.coordinationBase + "outbox", "1")
        command.append(message.packed)
        return self.call([.plain(command)], on: loop).map { _ in () }
    }
}
