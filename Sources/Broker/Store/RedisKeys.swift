import AgentCore

/// The names of agentd's Redis keys under one prefix (see `RedisScripts` for the layout).
///
/// The fixed keys are built once; per-agent keys are built per call (they are on the hot path
/// of every send, so without string interpolation).
struct RedisKeys: Sendable {
    let prefix: String
    let delayed: String
    let delayedMessages: String
    let inboxes: String
    let stats: String
    private let streamPrefix: String
    private let dedupPrefix: String
    private let prioritySuffixes: [String]

    init(prefix: String) {
        self.prefix = prefix
        self.delayed = prefix + ":delayed"
        self.delayedMessages = prefix + ":delayedmsg"
        self.inboxes = prefix + ":inboxes"
        self.stats = prefix + ":stats"
        self.streamPrefix = prefix + ":q:"
        self.dedupPrefix = prefix + ":dedup:"
        // Indexed by `deliveryRank`.
        self.prioritySuffixes = Priority.deliveryOrder.map { ":" + $0.rawValue }
    }

    func stream(_ agent: String, _ priority: Priority) -> String {
        self.streamPrefix + agent + self.prioritySuffixes[priority.deliveryRank]
    }

    func streams(_ agent: String) -> [String] { Priority.deliveryOrder.map { self.stream(agent, $0) } }
    func dead(_ agent: String) -> String { self.prefix + ":dead:" + agent }
    func deadIndex(_ agent: String) -> String { self.prefix + ":deadidx:" + agent }
    func dedup(_ messageID: String) -> String { self.dedupPrefix + messageID }
    func records(_ kind: String) -> String { self.prefix + ":" + kind }
}
