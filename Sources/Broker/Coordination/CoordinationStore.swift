import AgentCore
import NIOCore

/// What the registry and the coordinator read, from one consistent moment of the store.
struct CoordinationQuery: Sendable {
    /// Most silent agents one read returns (`silentFor`); the Redis script has the same bound.
    static let silentLimit = 100

    /// Every registered agent.
    var agents = false
    /// These agents only (when `agents` is false): a registration reads its own record, not
    /// every agent's.
    var agentIDs: [String] = []
    /// Every retained task (for `tasks`); else only the ones named or implied below.
    var allTasks = false
    /// These tasks.
    var taskIDs: [String] = []
    /// The first n pending tasks, in assignment order.
    var pendingHead = 0
    /// Up to n tasks whose deadline has passed.
    var dueDeadlines = 0
    /// Agents not offline whose last sign of life is older than this (ms), up to 100.
    var silentFor: Int64?
    /// Finished tasks that ended longer ago than this (ms), up to 100 (retention).
    var finishedFor: Int64?
    /// The tasks these agents hold.
    var heldBy: [String] = []
}

/// A task as stored, with the version a transition must find unchanged to commit.
struct VersionedTask: Sendable {
    var record: TaskRecord
    var version: Int64
}

/// The answer to a `CoordinationQuery`.
struct CoordinationSnapshot: Sendable {
    /// The store's clock (epoch ms): every time a transition writes comes from it, so all
    /// daemons compare the same clock.
    var now: Int64
    /// Tasks per state.
    var counts: [TaskState: Int] = [:]
    var agents: [String: AgentRecord] = [:]
    var tasks: [String: VersionedTask] = [:]
    var pending: [String] = []
    var due: [String] = []
    /// The earliest deadline of any held task.
    var nextDeadline: Int64?
    /// Silent agents and the last-seen score they were found with.
    var silent: [(agent: String, seen: String)] = []
    /// The oldest last-seen time of agents not offline.
    var oldestSeen: Int64?
    var held: [String: [String]] = [:]
    var finished: [String] = []
}

/// An atomic change of coordination state: every condition holds and every write is made, or
/// nothing happens (`coordcommit`).
struct CoordinationTransaction: Sendable {
    enum Condition: Sendable {
        /// The task is at this version (0: does not exist).
        case taskVersion(String, Int64)
        /// The agent is registered, not offline or draining, and has this many free slots
        /// (the transaction's net new tasks for it; 0 when it also ends as many).
        case freeSlots(String, Int)
        /// The agent is not offline and its last sign of life is still this score.
        case silentSince(String, String)
        /// The agent is registered.
        case registered(String)
    }

    enum Write: Sendable {
        case putTask(TaskRecord)
        case deleteTask(String)
        case addLoad(String, Int)
        case setLoad(String, Int)
        case status(String, AgentStatus)
        case putAgent(AgentRecord)
        case deleteAgent(String)
        /// A sign of life now (store clock).
        case seen(String)
        case pending(String, score: Double?)
        case deadline(String, Int64?)
        case finished(String, Int64?)
        case held(agent: String, task: String, Bool)
        case count(TaskState, Int)
        case outbox(OutboxMessage)
        /// Batched liveness: a frame this many ms ago (never moves last-seen back); an offline
        /// agent becomes active (and is reported).
        case touch(String, ageMilliseconds: Int64)
    }

    var conditions: [Condition] = []
    var writes: [Write] = []
    /// Messages to send once committed (they are in the outbox too, for a crash in between).
    var messages: [OutboxMessage] = []

    var isEmpty: Bool { self.writes.isEmpty }
}

/// The outcome of a commit.
enum CommitOutcome: Sendable, Equatable {
    /// Written; agents that came back (touch).
    case committed(cameBack: [String])
    /// A condition failed (the snapshot was stale): nothing written.
    case conflict
}

/// A message the coordinator sends, kept in the outbox from the commit until it is sent. Its
/// `message_id` is fixed by the transition, so sending it twice stores it once (dedup).
struct OutboxMessage: Sendable, Equatable {
    var sender: String
    var recipient: String
    var messageID: String
    var type: MessageType
    var priority: Priority
    var correlationID: String?
    /// The content JSON object.
    var content: [UInt8]
    /// When it was committed (store ms); the outbox is retried for messages older than a while.
    var at: Int64
    /// W3C trace context carried on the message (a task's `traceparent`).
    var traceparent: String?

    /// The stored line: `at \n sender \n recipient \n id \n type \n priority \n correlation \n`,
    /// then `T<traceparent> \n` when there is one, then the content (a JSON object, so it never
    /// starts with `T`: entries written before traceparent existed read the same).
    var packed: [UInt8] {
        var bytes = Array("\(self.at)\n\(self.sender)\n\(self.recipient)\n\(self.messageID)\n\(self.type.rawValue)\n".utf8)
        bytes += Array("\(self.priority.rawValue)\n\(self.correlationID ?? "")\n".utf8)
        if let traceparent = self.traceparent { bytes += Array("T\(traceparent)\n".utf8) }
        return bytes + self.content
    }

    init(
        sender: String, recipient: String, messageID: String, type: MessageType, priority: Priority, correlationID: String?,
        content: [UInt8], at: Int64, traceparent: String? = nil
    ) {
        self.sender = sender
        self.recipient = recipient
        self.messageID = messageID
        self.type = type
        self.priority = priority
        self.correlationID = correlationID
        self.content = content
        self.at = at
        self.traceparent = traceparent
    }

    init?(packed: [UInt8]) {
        var fields: [ArraySlice<UInt8>] = []
        var start = packed.startIndex
        while fields.count < 7, let newline = packed[start...].firstIndex(of: UInt8(ascii: "\n")) {
            fields.append(packed[start..<newline])
            start = newline + 1
        }
        guard fields.count == 7, let at = Int64(String(decoding: fields[0], as: UTF8.self)),
            let type = MessageType(rawValue: String(decoding: fields[4], as: UTF8.self)),
            let priority = Priority(rawValue: String(decoding: fields[5], as: UTF8.self))
        else { return nil }
        let correlation = String(decoding: fields[6], as: UTF8.self)
        var traceparent: String?
        if start < packed.endIndex, packed[start] == UInt8(ascii: "T"), let newline = packed[start...].firstIndex(of: UInt8(ascii: "\n")) {
            traceparent = String(decoding: packed[(start + 1)..<newline], as: UTF8.self)
            start = newline + 1
        }
        self.init(
            sender: String(decoding: fields[1], as: UTF8.self),
            recipient: String(decoding: fields[2], as: UTF8.self),
            messageID: String(decoding: fields[3], as: UTF8.self),
            type: type,
            priority: priority,
            correlationID: correlation.isEmpty ? nil : correlation,
            content: Array(packed[start...]),
            at: at,
            traceparent: traceparent
        )
    }
}

/// Where the registry and the coordinator keep their state: in Redis for a system of daemons,
/// in memory for one process. Every daemon reads and commits; none owns the state.
protocol CoordinationStore: Sendable {
    /// A consistent snapshot.
    func read(_ query: CoordinationQuery, on loop: any EventLoop) -> EventLoopFuture<CoordinationSnapshot>
    /// Commits a transaction atomically, or reports a conflict.
    func commit(_ transaction: CoordinationTransaction, on loop: any EventLoop) -> EventLoopFuture<CommitOutcome>
    /// Commits each transaction on its own (each all or nothing, whatever the others do), in one
    /// store step; answers their outcomes in order. Many small commits at once (the sweeper's
    /// offline marks) cost one call instead of one each.
    func commitEach(_ transactions: [CoordinationTransaction], on loop: any EventLoop) -> EventLoopFuture<[CommitOutcome]>
    /// Outbox messages committed at least `olderThan` ms ago (store clock), up to 100.
    func staleOutbox(olderThan: Int64, on loop: any EventLoop) -> EventLoopFuture<[OutboxMessage]>
    /// Forgets an outbox message that was sent.
    func removeFromOutbox(_ message: OutboxMessage, on loop: any EventLoop) -> EventLoopFuture<Void>
}
