import AgentCore

/// A message as agentd delivers it (by `fetch` or pushed): the stored message plus its
/// delivery attempt.
public struct DeliveredMessage: Sendable, Equatable {
    /// The whole message object as received, for fields not surfaced below.
    public let object: JSONObject

    /// Parses a message object; nil when it lacks the fields every message has.
    public init?(_ object: JSONObject) {
        guard object["message_id"]?.stringValue != nil, object["from_agent"]?.stringValue != nil else { return nil }
        self.object = object
    }

    /// `message_id`.
    public var messageID: String { self.object["message_id"]?.stringValue ?? "" }
    /// `from_agent`.
    public var fromAgent: String { self.object["from_agent"]?.stringValue ?? "" }
    /// `to_agent`.
    public var toAgent: String { self.object["to_agent"]?.stringValue ?? "" }
    /// `message_type`, e.g. `task_request`.
    public var messageType: String { self.object["message_type"]?.stringValue ?? "" }
    /// `priority`, e.g. `medium`.
    public var priority: String { self.object["priority"]?.stringValue ?? "" }
    /// `content` (any JSON value; an object for most message types).
    public var content: JSONValue { self.object["content"] ?? .null }
    /// `timestamp` as sent (RFC 3339).
    public var timestamp: String { self.object["timestamp"]?.stringValue ?? "" }
    /// `delivery.attempt`: 1 for the first delivery, more for redeliveries.
    public var attempt: Int { self.object["delivery"]?["attempt"]?.intValue ?? 1 }
}
