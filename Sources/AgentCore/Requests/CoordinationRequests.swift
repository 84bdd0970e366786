/// `assign_task {task_type, description?, parameters?, required_capabilities, priority?, timeout_ms?, max_retries?, lease_ms?, idempotency_key?}`.
public struct AssignTaskRequest: Sendable {
    /// What kind of work (free text chosen by the supervisor).
    public var taskType: String
    /// For a person.
    public var description: String
    /// Handed to the worker as is.
    public var parameters: JSONObject
    /// The assignee must hold all of these.
    public var requiredCapabilities: [String]
    /// Priority of the task and of its `task_request` message.
    public var priority: Priority
    /// Deadline of each attempt; the configured `task_timeout_ms` when absent.
    public var timeoutMilliseconds: Int?
    /// Retries after the first attempt; the configured `task_max_retries` when absent.
    public var maxRetries: Int?
    /// `lease_ms`: the assignee must report at least this often (each report renews the
    /// lease), or its attempt ends as `lease_expired`.
    public var leaseMilliseconds: Int?
    /// `idempotency_key`: the same key from the same supervisor, while its task is retained,
    /// returns that task instead of creating another (a retried assign creates one task).
    public var idempotencyKey: String?
    /// `budget`: limits on the usage the assignee reports, summed over every attempt.
    public var budget: TaskAmounts?
    /// `parent_task_id`: makes this a sub-task (its deadline capped by the parent's, cancelled
    /// when the parent ends).
    public var parentTaskID: String?
    /// `traceparent`: the W3C trace context the task and its `task_request`s carry.
    public var traceparent: String?

    /// Reads an `assign_task`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        let type = try fields.string("task_type")
        guard !type.isEmpty, type.utf8.count <= 128 else {
            throw .badRequest("task_type: must be 1-128 bytes")
        }
        self.taskType = type
        self.description = try fields.optionalString("description", maxLength: 65_536) ?? ""
        self.parameters = try fields.optionalObject("parameters") ?? JSONObject()
        guard let required = try readCapabilities(fields, "required_capabilities") else {
            throw .badRequest("required_capabilities: missing")
        }
        self.requiredCapabilities = required
        self.priority = try fields.optionalEnum("priority", Priority.self) ?? .medium
        self.timeoutMilliseconds = try fields.optionalInt("timeout_ms", in: 1...SendRequest.maximumDurationMilliseconds)
        self.maxRetries = try fields.optionalInt("max_retries", in: 0...100)
        self.leaseMilliseconds = try fields.optionalInt("lease_ms", in: 1_000...86_400_000)
        self.idempotencyKey = try fields.optionalString("idempotency_key", maxLength: 128)
        if self.idempotencyKey?.isEmpty == true {
            throw .badRequest("idempotency_key: must be 1-128 characters")
        }
        self.budget = try fields.optionalObject("budget").map { (object) throws(AgentdError) in try TaskAmounts(object, field: "budget") }
        self.parentTaskID = try fields.optionalString("parent_task_id", maxLength: 128)
        self.traceparent = try fields.optionalTraceParent()
    }
}

/// `task {task_id}` and `cancel_task {task_id}`.
public struct TaskIDRequest: Sendable {
    /// The task.
    public var taskID: String

    /// Reads the `task_id`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let id = try FieldReader(body).string("task_id")
        guard !id.isEmpty, id.utf8.count <= 128 else { throw .badRequest("task_id: must be 1-128 bytes") }
        self.taskID = id
    }
}

/// `resume_task {task_id, input}`.
public struct ResumeTaskRequest: Sendable {
    /// The task waiting in `input_required`.
    public var taskID: String
    /// The answer, handed to the assignee as is.
    public var input: JSONValue

    /// Reads a `resume_task`.
    public init(_ body: JSONObject) throws(AgentdError) {
        self.taskID = try TaskIDRequest(body).taskID
        guard let input = FieldReader(body).value("input") else { throw .badRequest("input: missing") }
        self.input = input
    }
}

/// `tasks {state?, assigned_to?, limit?}`.
public struct TasksRequest: Sendable {
    /// Only tasks in this state.
    public var state: TaskState?
    /// Only tasks held by this agent.
    public var assignedTo: String?
    /// How many at most (1...1000, default 100), newest first.
    public var limit: Int

    /// Reads a `tasks`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        self.state = try fields.optionalEnum("state", TaskState.self)
        self.assignedTo = try fields.optionalString("assigned_to", maxLength: AgentID.maximumLength)
        self.limit = try fields.optionalInt("limit", in: 1...1_000) ?? 100
    }
}

/// `broadcast {message_type, content, priority?, role?, capabilities?}`.
public struct BroadcastRequest: Sendable {
    /// The type of every copy.
    public var messageType: MessageType
    /// The content of every copy.
    public var content: JSONObject
    /// Priority of every copy.
    public var priority: Priority
    /// Only agents of this role.
    public var role: AgentRole?
    /// Only agents holding all of these.
    public var capabilities: [String]

    /// Reads a `broadcast`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        guard let type = try fields.optionalEnum("message_type", MessageType.self) else {
            throw .badRequest("message_type: missing")
        }
        self.messageType = type.stored
        self.content = try fields.object("content")
        self.priority = try fields.optionalEnum("priority", Priority.self) ?? .medium
        self.role = try fields.optionalEnum("role", AgentRole.self)
        self.capabilities = try readCapabilities(fields, "capabilities") ?? []
    }
}
