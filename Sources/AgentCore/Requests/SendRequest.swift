/// `send {message}`: a message as a client submits it, validated.
public struct SendRequest: Sendable {
    /// Longest `message_id`, `correlation_id` and `reply_to` accepted.
    public static let maximumIDLength = 128
    /// Longest `correlation_id`/`reply_to`; generous, but bounded.
    public static let maximumReferenceLength = 1_024
    /// Upper bound of `ttl_ms` and `delay_ms`: one year is beyond any agent's patience.
    public static let maximumDurationMilliseconds = 366 * 86_400_000

    /// The client's id for the message, if it chose one (enables dedup).
    public var messageID: String?
    /// `from_agent` as sent; must equal the session agent when present.
    public var fromAgent: String?
    /// The recipient.
    public var toAgent: String
    /// The type as stored (`task_assignment` becomes `task_request`).
    public var messageType: MessageType
    /// The content object, delivered back as sent.
    public var content: JSONObject
    /// Delivery priority, `medium` by default.
    public var priority: Priority
    /// Echoed untouched.
    public var correlationID: String?
    /// Echoed untouched.
    public var replyTo: String?
    /// Expiry: not delivered once this many milliseconds have passed since the send.
    public var ttlMilliseconds: Int?
    /// Not delivered before this many milliseconds after the send.
    public var delayMilliseconds: Int?
    /// W3C trace context (`TraceParent`), echoed untouched.
    public var traceparent: String?

    /// A message the server itself composes (task requests, cancels, broadcasts, reports).
    public init(
        toAgent: String,
        messageType: MessageType,
        content: JSONObject,
        priority: Priority = .medium,
        correlationID: String? = nil
    ) {
        self.messageID = nil
        self.fromAgent = nil
        self.toAgent = toAgent
        self.messageType = messageType.stored
        self.content = content
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = nil
        self.ttlMilliseconds = nil
        self.delayMilliseconds = nil
        self.traceparent = nil
    }

    /// Reads and validates the `message` of a `send`.
    public init(_ body: JSONObject) throws(AgentdError) {
        let message = FieldReader(try FieldReader(body).object("message"), path: "message.")
        if let id = try message.optionalString("message_id") {
            guard !id.isEmpty, id.utf8.count <= Self.maximumIDLength else {
                throw .badRequest("message.message_id: must be 1-\(Self.maximumIDLength) characters")
            }
            self.messageID = id
        }
        self.fromAgent = try message.optionalString("from_agent", maxLength: AgentID.maximumLength)
        let to = try message.string("to_agent")
        guard AgentID.isValid(to) else {
            throw .badRequest("message.to_agent: must be 1-128 characters of A-Z a-z 0-9 . _ : @ -")
        }
        self.toAgent = to
        guard let type = try message.optionalEnum("message_type", MessageType.self) else {
            throw .badRequest("message.message_type: missing")
        }
        self.messageType = type.stored
        self.content = try message.object("content")
        self.priority = try message.optionalEnum("priority", Priority.self) ?? .medium
        self.correlationID = try message.optionalString("correlation_id", maxLength: Self.maximumReferenceLength)
        self.replyTo = try message.optionalString("reply_to", maxLength: Self.maximumReferenceLength)
        self.ttlMilliseconds = try message.optionalInt("ttl_ms", in: 1...Self.maximumDurationMilliseconds)
        self.delayMilliseconds = try message.optionalInt("delay_ms", in: 0...Self.maximumDurationMilliseconds)
        self.traceparent = try message.optionalTraceParent()
    }

    /// The message as stored and delivered (without the per-delivery `delivery` object).
    ///
    /// The stored form is the exact JSON later sent to the recipient, so delivery splices in
    /// `delivery` without parsing it again.
    public func storedJSON(messageID: String, fromAgent: String, timestamp: Timestamp) -> [UInt8] {
        var w = JSONWriter(capacity: 256)
        w.writeRaw("{\"message_id\":")
        w.writeString(messageID)
        w.writeRaw(",\"from_agent\":")
        w.writeString(fromAgent)
        w.writeRaw(",\"to_agent\":")
        w.writeString(self.toAgent)
        w.writeRaw(",\"message_type\":")
        w.writeString(self.messageType.rawValue)
        w.writeRaw(",\"content\":")
        w.writeValue(.object(self.content))
        w.writeRaw(",\"priority\":")
        w.writeString(self.priority.rawValue)
        w.writeRaw(",\"timestamp\":\"")
        w.writeTimestamp(timestamp)
        w.writeRaw("\"")
        if let c = self.correlationID {
            w.writeRaw(",\"correlation_id\":")
            w.writeString(c)
        }
        if let r = self.replyTo {
            w.writeRaw(",\"reply_to\":")
            w.writeString(r)
        }
        if let ttl = self.ttlMilliseconds {
            w.writeRaw(",\"ttl_ms\":")
            w.writeInt(ttl)
        }
        if let delay = self.delayMilliseconds {
            w.writeRaw(",\"delay_ms\":")
            w.writeInt(delay)
        }
        if let trace = self.traceparent {
            // Checked to be 55 bytes of [0-9a-f-]: nothing to escape.
            w.writeRaw(",\"traceparent\":\"")
            w.writeRaw(trace)
            w.writeRaw("\"")
        }
        w.writeRaw("}")
        return w.bytes
    }
}
