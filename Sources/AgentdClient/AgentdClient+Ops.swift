import AgentCore
import NIOCore

/// One method per op of the contract, with Swift names and types. Replies that carry
/// structured records (agents, tasks, stats) are returned as `JSONObject`s.
extension AgentdClient {
    // MARK: Session

    /// `hello`: names this connection's agent; `token` when agentd runs with token auth.
    @discardableResult
    public func hello(agentID: String, token: String? = nil) async throws -> JSONObject {
        var fields: JSONObject = ["agent_id": .string(agentID)]
        if let token { fields["token"] = .string(token) }
        return try await self.request("hello", fields)
    }

    /// `ping`.
    public func ping() async throws {
        try await self.request("ping")
    }

    /// `bye`: agentd answers, then closes the connection.
    public func bye() async throws {
        try await self.request("bye")
    }

    // MARK: Messaging

    /// `send`: stores a message for `agent`; returns its id and whether it was a duplicate of
    /// an earlier send with the same `messageID`.
    @discardableResult
    public func send(
        to agent: String,
        type: String = "status_update",
        content: JSONValue = .object([:]),
        priority: String? = nil,
        messageID: String? = nil,
        ttl: TimeAmount? = nil,
        delay: TimeAmount? = nil,
        correlationID: String? = nil,
        traceparent: String? = nil
    ) async throws -> (messageID: String, duplicate: Bool) {
        var message: JSONObject = ["to_agent": .string(agent), "message_type": .string(type), "content": content]
        if let priority { message["priority"] = .string(priority) }
        if let messageID { message["message_id"] = .string(messageID) }
        if let ttl { message["ttl_ms"] = .number(JSONNumber(ttl.nanoseconds / 1_000_000)) }
        if let delay { message["delay_ms"] = .number(JSONNumber(delay.nanoseconds / 1_000_000)) }
        if let correlationID { message["correlation_id"] = .string(correlationID) }
        if let traceparent { message["traceparent"] = .string(traceparent) }
        let reply = try await self.request("send", ["message": .object(message)])
        return (reply["message_id"]?.stringValue ?? "", reply["duplicate"] == .bool(true))
    }

    /// `fetch`: up to `limit` messages of this agent's inbox, waiting up to `wait` for one.
    public func fetch(limit: Int = 10, wait: TimeAmount = .zero) async throws -> [DeliveredMessage] {
        let reply = try await self.request("fetch", [
            "limit": .number(JSONNumber(limit)),
            "wait_ms": .number(JSONNumber(wait.nanoseconds / 1_000_000)),
        ])
        return Self.messages(reply["messages"])
    }

    /// `ack`: how many of `messageIDs` were in flight and are now done.
    @discardableResult
    public func ack(_ messageIDs: [String]) async throws -> Int {
        let reply = try await self.request("ack", ["message_ids": .array(messageIDs.map(JSONValue.string))])
        return reply["acked"]?.intValue ?? 0
    }

    /// `nack`: delivers the messages again (after `delay`); returns how many were requeued.
    /// With `deadLetter`, they go to the dead letters at once instead (reason `rejected`,
    /// whatever their attempt); returns how many were dead-lettered.
    @discardableResult
    public func nack(_ messageIDs: [String], delay: TimeAmount? = nil, deadLetter: Bool = false) async throws -> Int {
        var fields: JSONObject = ["message_ids": .array(messageIDs.map(JSONValue.string))]
        if let delay { fields["delay_ms"] = .number(JSONNumber(delay.nanoseconds / 1_000_000)) }
        if deadLetter { fields["dead_letter"] = .bool(true) }
        let reply = try await self.request("nack", fields)
        return (deadLetter ? reply["dead_lettered"] : reply["requeued"])?.intValue ?? 0
    }

    /// The `request` op: sends a message to `agent` and waits up to `timeout` (1 ms to 5 min)
    /// for the first message back carrying its `correlation_id` (made up by agentd unless
    /// given; `reply_to` is set to this agent). The wait holds back this connection's later
    /// replies. Named apart from ``request(_:_:)``, which sends any op.
    /// - Returns: the sent message's id, and the reply (taken by the request: no ack needed),
    ///   or nil when none came in time.
    public func requestReply(
        to agent: String,
        type: String = "task_request",
        content: JSONValue = .object([:]),
        priority: String? = nil,
        correlationID: String? = nil,
        traceparent: String? = nil,
        timeout: TimeAmount? = nil
    ) async throws -> (messageID: String, reply: DeliveredMessage?) {
        var message: JSONObject = ["to_agent": .string(agent), "message_type": .string(type), "content": content]
        if let priority { message["priority"] = .string(priority) }
        if let correlationID { message["correlation_id"] = .string(correlationID) }
        if let traceparent { message["traceparent"] = .string(traceparent) }
        var fields: JSONObject = ["message": .object(message)]
        if let timeout { fields["timeout_ms"] = .number(JSONNumber(timeout.nanoseconds / 1_000_000)) }
        let reply = try await self.request("request", fields)
        return (reply["message_id"]?.stringValue ?? "", reply["reply"]?.objectValue.flatMap(DeliveredMessage.init))
    }

    /// `subscribe`: agentd pushes messages as `message` events (see ``pushedMessages``).
    public func subscribe(prefetch: Int = 100) async throws {
        try await self.request("subscribe", ["prefetch": .number(JSONNumber(prefetch))])
    }

    /// `unsubscribe`.
    public func unsubscribe() async throws {
        try await self.request("unsubscribe")
    }

    /// The messages of ``events``' `message` events, in arrival order (other events skipped).
    public var pushedMessages: AsyncCompactMapSequence<AsyncStream<JSONObject>, DeliveredMessage> {
        self.events.compactMap { event in
            guard event["event"] == .string("message"), let message = event["message"]?.objectValue else { return nil }
            return DeliveredMessage(message)
        }
    }

    /// `dead_letters`: this agent's dead letters, or `agent`'s (supervisor, coordinator, monitor).
    public func deadLetters(agent: String? = nil, limit: Int? = nil) async throws -> [DeliveredMessage] {
        var fields: JSONObject = [:]
        if let agent { fields["agent_id"] = .string(agent) }
        if let limit { fields["limit"] = .number(JSONNumber(limit)) }
        return Self.messages(try await self.request("dead_letters", fields)["messages"])
    }

    /// `requeue_dead`: moves dead letters back into the inbox; returns how many moved.
    @discardableResult
    public func requeueDead(_ messageIDs: [String], agent: String? = nil) async throws -> Int {
        var fields: JSONObject = ["message_ids": .array(messageIDs.map(JSONValue.string))]
        if let agent { fields["agent_id"] = .string(agent) }
        return try await self.request("requeue_dead", fields)["requeued"]?.intValue ?? 0
    }

    // MARK: Registry

    /// `register`: returns the AgentInfo.
    @discardableResult
    public func register(
        role: String,
        capabilities: [String],
        maxConcurrentTasks: Int = 1,
        metadata: JSONObject? = nil
    ) async throws -> JSONObject {
        var fields: JSONObject = [
            "role": .string(role),
            "capabilities": .array(capabilities.map(JSONValue.string)),
            "max_concurrent_tasks": .number(JSONNumber(maxConcurrentTasks)),
        ]
        if let metadata { fields["metadata"] = .object(metadata) }
        return try await self.request("register", fields)["agent"]?.objectValue ?? [:]
    }

    /// `heartbeat`; omitted values keep theirs.
    public func heartbeat(status: String? = nil, currentTasks: Int? = nil) async throws {
        var fields: JSONObject = [:]
        if let status { fields["status"] = .string(status) }
        if let currentTasks { fields["current_tasks"] = .number(JSONNumber(currentTasks)) }
        try await self.request("heartbeat", fields)
    }

    /// `deregister`.
    public func deregister() async throws {
        try await self.request("deregister")
    }

    /// `agents`: AgentInfos, best first.
    public func agents(capabilities: [String]? = nil, role: String? = nil, available: Bool? = nil, limit: Int? = nil) async throws -> [JSONObject] {
        var fields: JSONObject = [:]
        if let capabilities { fields["capabilities"] = .array(capabilities.map(JSONValue.string)) }
        if let role { fields["role"] = .string(role) }
        if let available { fields["available"] = .bool(available) }
        if let limit { fields["limit"] = .number(JSONNumber(limit)) }
        return Self.objects(try await self.request("agents", fields)["agents"])
    }

    // MARK: Coordination

    /// `assign_task`: returns `{task_id, state, assigned_to}`.
    @discardableResult
    public func assignTask(
        type: String,
        requiredCapabilities: [String],
        description: String? = nil,
        parameters: JSONObject? = nil,
        priority: String? = nil,
        timeout: TimeAmount? = nil,
        maxRetries: Int? = nil,
        options: TaskOptions = TaskOptions()
    ) async throws -> JSONObject {
        var fields: JSONObject = [
            "task_type": .string(type),
            "required_capabilities": .array(requiredCapabilities.map(JSONValue.string)),
        ]
        if let description { fields["description"] = .string(description) }
        if let parameters { fields["parameters"] = .object(parameters) }
        if let priority { fields["priority"] = .string(priority) }
        if let timeout { fields["timeout_ms"] = .number(JSONNumber(timeout.nanoseconds / 1_000_000)) }
        if let maxRetries { fields["max_retries"] = .number(JSONNumber(maxRetries)) }
        options.add(to: &fields)
        return try await self.request("assign_task", fields)
    }

    /// `resume_task`: answers a task waiting in `input_required`; returns the TaskInfo.
    @discardableResult
    public func resumeTask(_ taskID: String, input: JSONValue) async throws -> JSONObject {
        try await self.request("resume_task", ["task_id": .string(taskID), "input": input])["task"]?.objectValue ?? [:]
    }

    /// `cancel_task`: returns the TaskInfo.
    @discardableResult
    public func cancelTask(_ taskID: String) async throws -> JSONObject {
        try await self.request("cancel_task", ["task_id": .string(taskID)])["task"]?.objectValue ?? [:]
    }

    /// `task`: the TaskInfo.
    public func task(_ taskID: String) async throws -> JSONObject {
        try await self.request("task", ["task_id": .string(taskID)])["task"]?.objectValue ?? [:]
    }

    /// `tasks`: TaskInfos, filtered.
    public func tasks(state: String? = nil, assignedTo: String? = nil, limit: Int? = nil) async throws -> [JSONObject] {
        var fields: JSONObject = [:]
        if let state { fields["state"] = .string(state) }
        if let assignedTo { fields["assigned_to"] = .string(assignedTo) }
        if let limit { fields["limit"] = .number(JSONNumber(limit)) }
        return Self.objects(try await self.request("tasks", fields)["tasks"])
    }

    /// `broadcast`: returns how many agents got a copy.
    @discardableResult
    public func broadcast(
        type: String,
        content: JSONValue,
        priority: String? = nil,
        role: String? = nil,
        capabilities: [String]? = nil
    ) async throws -> Int {
        var fields: JSONObject = ["message_type": .string(type), "content": content]
        if let priority { fields["priority"] = .string(priority) }
        if let role { fields["role"] = .string(role) }
        if let capabilities { fields["capabilities"] = .array(capabilities.map(JSONValue.string)) }
        return try await self.request("broadcast", fields)["delivered_to"]?.intValue ?? 0
    }

    // MARK: Observability

    /// `stats`: the `queues`, `registry`, `coordination` and `server` parts.
    public func stats() async throws -> JSONObject {
        var reply = try await self.request("stats")
        _ = reply.removeValue(forKey: "id")
        _ = reply.removeValue(forKey: "ok")
        return reply
    }

    /// `health`: `{status, store, backend}`.
    public func health() async throws -> JSONObject {
        var reply = try await self.request("health")
        _ = reply.removeValue(forKey: "id")
        _ = reply.removeValue(forKey: "ok")
        return reply
    }

    private static func messages(_ value: JSONValue?) -> [DeliveredMessage] {
        (value?.arrayValue ?? []).compactMap { $0.objectValue.flatMap(DeliveredMessage.init) }
    }

    private static func objects(_ value: JSONValue?) -> [JSONObject] {
        (value?.arrayValue ?? []).compactMap(\.objectValue)
    }
}

/// The agent-native fields of `assign_task` (docs/protocol.md: leases, budgets, sub-tasks,
/// idempotent assign).
public struct TaskOptions: Sendable {
    /// `lease_ms`: the assignee must report at least this often.
    public var leaseMilliseconds: Int?
    /// `budget`: `{tokens?, cost_usd?, turns?}`.
    public var budget: JSONObject?
    /// `idempotency_key`: a retried assign with it creates no second task.
    public var idempotencyKey: String?
    /// `parent_task_id`: makes a sub-task.
    public var parentTaskID: String?

    /// Options as given; all off by default.
    public init(leaseMilliseconds: Int? = nil, budget: JSONObject? = nil, idempotencyKey: String? = nil, parentTaskID: String? = nil) {
        self.leaseMilliseconds = leaseMilliseconds
        self.budget = budget
        self.idempotencyKey = idempotencyKey
        self.parentTaskID = parentTaskID
    }

    func add(to fields: inout JSONObject) {
        if let lease = self.leaseMilliseconds { fields["lease_ms"] = .number(JSONNumber(lease)) }
        if let budget = self.budget { fields["budget"] = .object(budget) }
        if let key = self.idempotencyKey { fields["idempotency_key"] = .string(key) }
        if let parent = self.parentTaskID { fields["parent_task_id"] = .string(parent) }
    }
}
