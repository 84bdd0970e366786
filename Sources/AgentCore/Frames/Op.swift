/// Every operation of protocol v1, by wire name.
public enum Op: String, Sendable, CaseIterable {
    // Session
    case hello, ping, bye
    // Messaging
    case send, fetch, ack, nack, subscribe, unsubscribe
    case deadLetters = "dead_letters"
    case requeueDead = "requeue_dead"
    /// `send` and wait for the reply (agent-native extensions).
    case request
    // Registry
    case register, heartbeat, agents, deregister
    // Coordination
    case assignTask = "assign_task"
    case cancelTask = "cancel_task"
    /// Answers a task waiting in `input_required` (agent-native extensions).
    case resumeTask = "resume_task"
    case task, tasks, broadcast
    // Observability
    case stats, health

    /// Ops allowed before a successful `hello`.
    public var allowedBeforeHello: Bool {
        self == .hello || self == .ping
    }
}
