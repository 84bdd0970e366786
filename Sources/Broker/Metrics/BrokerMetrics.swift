import AgentCore
import CoreMetrics
import RedisStreams

/// The broker's swift-metrics instruments, made once (at broker start) so the hot path only
/// increments: one array index and one handler call per event.
///
/// Without `MetricsSystem.bootstrap` (unit tests, embedders) the factory is swift-metrics'
/// no-op one. The names and labels are listed in `docs/operations.md`; Prometheus needs every
/// series of one name to carry the same label names, so each family is made whole here.
public final class BrokerMetrics: Sendable {
    /// `agentd_messages_sent_total{priority, message_type}`, by `priorityIndex`/`typeIndex`.
    private let sent: [[Counter]]
    private let delivered: [Counter]
    private let redelivered: [Counter]
    private let acked: [Counter]
    private let deadLettered: [Counter]
    private let expired: Counter
    private let connectionsAccepted: Counter
    private let connectionsRejected: Counter
    private let helloAuthFailures: Counter
    private let adminAuthFailures: Counter
    let sendLatency: CoreMetrics.Timer

    // Gauges mirror state the broker already keeps; they are set at scrape time
    // (`Broker.refreshMetrics`) instead of on every change.
    let connectionsOpen: Gauge
    let inFlight: Gauge
    let pending: Gauge
    let deadLetters: Gauge
    /// Live daemons in the system (`agentd_daemons`).
    let daemons: Gauge
    let agents: [AgentStatus: Gauge]
    let tasks: [TaskState: Gauge]

    /// The message types a sent message is counted under: the stored ones (`task_assignment`
    /// is stored and delivered as `task_request`).
    static let storedTypes = MessageType.allCases.filter { $0.stored == $0 }

    /// Instruments made by `factory`; the default is the one `MetricsSystem` was bootstrapped with.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Counter {
            Counter(label: label, dimensions: dimensions, factory: factory)
        }
        func byPriority(_ label: String) -> [Counter] {
            Priority.deliveryOrder.map { counter(label, [("priority", $0.rawValue)]) }
        }
        self.sent = Priority.deliveryOrder.map { priority in
            Self.storedTypes.map { type in
                counter("agentd_messages_sent_total", [("priority", priority.rawValue), ("message_type", type.rawValue)])
            }
        }
        self.delivered = byPriority("agentd_messages_delivered_total")
        self.redelivered = byPriority("agentd_messages_redelivered_total")
        self.acked = byPriority("agentd_messages_acked_total")
        self.deadLettered = byPriority("agentd_messages_dead_lettered_total")
        self.expired = counter("agentd_messages_expired_total")
        self.connectionsAccepted = counter("agentd_connections_accepted_total")
        self.connectionsRejected = counter("agentd_connections_rejected_total")
        self.helloAuthFailures = counter("agentd_auth_failures_total", [("port", "agent")])
        self.adminAuthFailures = counter("agentd_auth_failures_total", [("port", "admin")])
        self.sendLatency = CoreMetrics.Timer(label: Self.sendLatencyLabel, dimensions: [], factory: factory)
        self.connectionsOpen = Gauge(label: "agentd_connections_open", dimensions: [], factory: factory)
        self.inFlight = Gauge(label: "agentd_messages_in_flight", dimensions: [], factory: factory)
        self.pending = Gauge(label: "agentd_messages_pending", dimensions: [], factory: factory)
        self.deadLetters = Gauge(label: "agentd_dead_letters", dimensions: [], factory: factory)
        self.daemons = Gauge(label: "agentd_daemons", dimensions: [], factory: factory)
        self.agents = Dictionary(uniqueKeysWithValues: AgentStatus.allCases.map { status in
            (status, Gauge(label: "agentd_agents", dimensions: [("status", status.rawValue)], factory: factory))
        })
        self.tasks = Dictionary(uniqueKeysWithValues: TaskState.allCases.map { state in
            (state, Gauge(label: "agentd_tasks", dimensions: [("state", state.rawValue)], factory: factory))
        })
    }

    /// The name of the Redis round-trip histogram (recorded by the Redis client), so the admin
    /// port can set its buckets without knowing the client.
    public static let redisRoundTripLabel = RedisMetrics.roundTripLabel

    /// The name of the send-latency histogram (request received → store confirmed).
    public static let sendLatencyLabel = "agentd_send_latency_seconds"

    // MARK: Recording (hot path)

    func messageSent(priority: Priority, type: MessageType) {
        let row = self.sent[priority.deliveryRank]
        let column = Self.storedTypes.firstIndex(of: type.stored) ?? 0
        row[column].increment()
    }

    func record(_ tally: DeliveryTally) {
        for priority in Priority.deliveryOrder {
            let delivered = tally.delivered[priority]
            if delivered > 0 { self.delivered[priority.deliveryRank].increment(by: delivered) }
            let redelivered = tally.redelivered[priority]
            if redelivered > 0 { self.redelivered[priority.deliveryRank].increment(by: redelivered) }
        }
    }

    func acked(_ refs: [EntryRef]) {
        var counts = PriorityCounts()
        for ref in refs {
            counts[ref.priority] += 1
        }
        for priority in Priority.deliveryOrder where counts[priority] > 0 {
            self.acked[priority.deliveryRank].increment(by: counts[priority])
        }
    }

    func deadLettered(_ priority: Priority) {
        self.deadLettered[priority.deliveryRank].increment()
    }

    func expired(_ count: Int) {
        if count > 0 { self.expired.increment(by: count) }
    }

    func connectionAccepted() { self.connectionsAccepted.increment() }

    func connectionRejected() { self.connectionsRejected.increment() }

    func helloRefused() { self.helloAuthFailures.increment() }

    /// Counts a refused request on the admin port (no or wrong bearer token).
    public func adminRefused() { self.adminAuthFailures.increment() }
}
