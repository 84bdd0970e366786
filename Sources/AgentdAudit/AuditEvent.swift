import AgentCore

/// One audit record, as handed to an `AuditSink`: cheap to build, rendered to JSON only on the
/// audit writer's queue.
public struct AuditEvent: Sendable {
    /// What is recorded.
    public enum Payload: Sendable {
        /// Fields written after `ts` and `event`, in this order.
        case fields(JSONObject)
        /// Message frames as delivered (plain, or wrapped in a pushed `message` event). Parsing
        /// them is left to the writer, so a delivery costs the hot path one array append; each
        /// frame becomes one line with the message's id, sender, recipient, type, priority and attempt.
        case deliveredFrames([[UInt8]], mode: String)
    }

    /// The file the record goes to.
    public var category: AuditCategory
    /// The `event` field, e.g. `sent`, `registered`.
    public var name: String
    /// Epoch milliseconds; nil = stamped by the sink when it accepts the event.
    public var timestamp: Int64?
    /// The rest of the record.
    public var payload: Payload

    /// Creates an event with fields.
    /// - Parameters:
    ///   - category: the file it goes to.
    ///   - name: the `event` field.
    ///   - timestamp: epoch milliseconds, or nil for "now" as the sink's clock tells.
    ///   - fields: written after `ts` and `event`, in order.
    public init(_ category: AuditCategory, _ name: String, timestamp: Int64? = nil, _ fields: JSONObject = JSONObject()) {
        self.category = category
        self.name = name
        self.timestamp = timestamp
        self.payload = .fields(fields)
    }

    /// Creates an event from a payload.
    public init(_ category: AuditCategory, _ name: String, timestamp: Int64? = nil, payload: Payload) {
        self.category = category
        self.name = name
        self.timestamp = timestamp
        self.payload = payload
    }
}
