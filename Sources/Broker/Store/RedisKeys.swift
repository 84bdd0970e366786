import AgentCore

/// The names of agentd's Redis keys under one prefix (see `RedisScripts` for the layout).
struct RedisKeys: Sendable {
    let prefix: String

    func stream(_ agent: String, _ priority: Priority) -> String { "\(self.prefix):q:\(agent):\(priority.rawValue)" }
    func streams(_ agent: String) -> [String] { Priority.deliveryOrder.map { self.stream(agent, $0) } }
    func dead(_ agent: String) -> String { "\(self.prefix):dead:\(agent)" }
    func deadIndex(_ agent: String) -> String { "\(self.prefix):deadidx:\(agent)" }
    func dedup(_ messageID: String) -> String { "\(self.prefix):dedup:\(messageID)" }
    var delayed: String { "\(self.prefix):delayed" }
    var delayedMessages: String { "\(self.prefix):delayedmsg" }
    var inboxes: String { "\(self.prefix):inboxes" }
    var stats: String { "\(self.prefix):stats" }
    func records(_ kind: String) -> String { "\(self.prefix):\(kind)" }
}
