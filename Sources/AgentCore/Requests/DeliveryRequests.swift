/// `fetch {limit?, wait_ms?}`.
public struct FetchRequest: Sendable {
    /// How many messages at most (1...maximumLimit, default 10).
    public var limit: Int
    /// How long to wait for a first message, in milliseconds (0 = do not wait).
    public var waitMilliseconds: Int

    /// Reads a `fetch`, bounded by the configured maxima (contract: 1000 and 30 000).
    public init(_ body: JSONObject, maximumLimit: Int = 1_000, maximumWait: Int = 30_000) throws(AgentdError) {
        let fields = FieldReader(body)
        self.limit = try fields.optionalInt("limit", in: 1...maximumLimit) ?? 10
        self.waitMilliseconds = try fields.optionalInt("wait_ms", in: 0...maximumWait) ?? 0
    }
}

/// `ack {message_ids}`.
public struct AckRequest: Sendable {
    /// Most ids in one ack or nack; bounds the work of one request.
    public static let maximumIDs = 10_000
    /// The messages that are done.
    public var messageIDs: [String]

    /// Reads an `ack`.
    public init(_ body: JSONObject) throws(AgentdError) {
        self.messageIDs = try FieldReader(body).strings("message_ids", maxCount: Self.maximumIDs)
    }
}

/// `nack {message_ids, delay_ms?, dead_letter?}`.
public struct NackRequest: Sendable {
    /// The messages to deliver again.
    public var messageIDs: [String]
    /// Not before this many milliseconds (default 0).
    public var delayMilliseconds: Int
    /// `dead_letter: true`: the messages go to the dead letters at once (reason `rejected`)
    /// instead of being delivered again; `delay_ms` is then moot.
    public var deadLetter: Bool

    /// Reads a `nack`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        self.messageIDs = try fields.strings("message_ids", maxCount: AckRequest.maximumIDs)
        self.delayMilliseconds = try fields.optionalInt("delay_ms", in: 0...SendRequest.maximumDurationMilliseconds) ?? 0
        self.deadLetter = try fields.optionalBool("dead_letter") ?? false
    }
}

/// `subscribe {prefetch?}`.
public struct SubscribeRequest: Sendable {
    /// Most unacked pushed messages on the connection (1...maximum, default 100).
    public var prefetch: Int

    /// Reads a `subscribe`, bounded by the configured maximum (contract: 10 000).
    public init(_ body: JSONObject, maximumPrefetch: Int = 10_000) throws(AgentdError) {
        self.prefetch = try FieldReader(body).optionalInt("prefetch", in: 1...maximumPrefetch) ?? 100
    }
}

/// `dead_letters {limit?, agent_id?}`.
public struct DeadLettersRequest: Sendable {
    /// How many at most (1...1000, default 100).
    public var limit: Int
    /// Whose dead letters; the session agent's when absent.
    public var agentID: String?

    /// Reads a `dead_letters`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        self.limit = try fields.optionalInt("limit", in: 1...1_000) ?? 100
        self.agentID = try readAgentID(fields)
    }
}

/// `requeue_dead {message_ids, agent_id?}`.
public struct RequeueDeadRequest: Sendable {
    /// The dead letters to deliver again.
    public var messageIDs: [String]
    /// Whose dead letters; the session agent's when absent.
    public var agentID: String?

    /// Reads a `requeue_dead`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let fields = FieldReader(body)
        self.messageIDs = try fields.strings("message_ids", maxCount: AckRequest.maximumIDs)
        self.agentID = try readAgentID(fields)
    }
}

private func readAgentID(_ fields: FieldReader) throws(AgentdError) -> String? {
    guard let id = try fields.optionalString("agent_id") else { return nil }
    guard AgentID.isValid(id) else {
        throw .badRequest("agent_id: must be 1-128 characters of A-Z a-z 0-9 . _ : @ -")
    }
    return id
}
