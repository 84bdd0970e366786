import AgentCore
import RedisStreams

/// The names of agentd's Redis keys under one prefix (see `RedisScripts` for the layout).
///
/// Everything of one inbox carries the agent id as a hash tag (`{A}`), so each inbox script
/// touches one Redis Cluster slot; docs/scaling.md lists the keys that do not. The fixed keys
/// are built once; per-agent keys are built per call (they are on the hot path of every send,
/// so without string interpolation).
struct RedisKeys: Sendable {
    let prefix: String
    let stats: String
    /// Live daemons: sorted set, daemon id by lease expiry (Redis time, ms).
    let daemons: String
    /// Dead daemons being taken over: sorted set, daemon id by the taker's deadline.
    let reaping: String
    /// Each daemon's figures (`DaemonFigures`): hash, daemon id → "in-flight sends-per-minute".
    let daemonFigures: String
    private let streamPrefix: String
    private let dedupPrefix: String
    private let wakePrefix: String
    private let prioritySuffixes: [String]

    init(prefix: String) {
        self.prefix = prefix
        self.stats = prefix + ":stats"
        self.daemons = prefix + ":daemons"
        self.reaping = prefix + ":reaping"
        self.daemonFigures = prefix + ":dfigures"
        self.streamPrefix = prefix + ":q:{"
        self.dedupPrefix = prefix + ":dedup:"
        self.wakePrefix = prefix + ":w:{"
        // Indexed by `deliveryRank`.
        self.prioritySuffixes = Priority.deliveryOrder.map { "}:" + $0.rawValue }
    }

    func stream(_ agent: String, _ priority: Priority) -> String {
        self.streamPrefix + agent + self.prioritySuffixes[priority.deliveryRank]
    }

    /// `stream(agent, priority)` as the next argument of `command`, with no string built.
    func appendStream(_ agent: String, _ priority: Priority, to command: inout RedisCommand) {
        command.append(joining: self.streamPrefix, agent, self.prioritySuffixes[priority.deliveryRank])
    }

    /// `wake(agent)` as the next argument of `command`, with no string built.
    func appendWake(_ agent: String, to command: inout RedisCommand) {
        command.append(joining: self.wakePrefix, agent, "}")
    }

    func streams(_ agent: String) -> [String] { Priority.deliveryOrder.map { self.stream(agent, $0) } }
    /// Released deliveries waiting for their next attempt: `rank:entry-id` by due time.
    func retries(_ agent: String) -> String { self.prefix + ":r:{" + agent + "}" }
    /// Delayed sends: packed messages by due time.
    func delayed(_ agent: String) -> String { self.prefix + ":d:{" + agent + "}" }
    /// The pub/sub channel that announces new work in the inbox to every daemon.
    func wake(_ agent: String) -> String { self.wakePrefix + agent + "}" }
    func dead(_ agent: String) -> String { self.prefix + ":dead:{" + agent + "}" }
    func deadIndex(_ agent: String) -> String { self.prefix + ":deadidx:{" + agent + "}" }
    func dedup(_ messageID: String) -> String { self.dedupPrefix + messageID }
    func records(_ kind: String) -> String { self.prefix + ":" + kind }
    /// A daemon's lease: its instance token, expiring after the lease.
    func daemonLease(_ daemon: String) -> String { self.prefix + ":daemon:" + daemon }
    /// The inboxes a daemon has taken from: where its pending entries may be.
    func daemonInboxes(_ daemon: String) -> String { self.prefix + ":dinbox:" + daemon }

    /// The agent a wake channel names, or nil for another channel.
    func agent(ofWakeChannel channel: String) -> String? {
        guard channel.hasPrefix(self.wakePrefix), channel.hasSuffix("}") else { return nil }
        return String(channel.dropFirst(self.wakePrefix.count).dropLast())
    }
}
