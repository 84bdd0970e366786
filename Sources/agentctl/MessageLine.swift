import AgentCore
import AgentdClient

/// One line per message, for `fetch`, `tail` and `dead-letters list`:
///
/// ```
/// m-5f0c-1  2026-11-25T10:31:00.123Z  high  status_update  planner -> worker-1  attempt 1  {"done":3}
/// ```
///
/// A `correlation_id`, and for dead letters why and when the message died, come just
/// before the content.
///
/// The id comes first so `awk '{print $1}'` gives ids to `ack`; the content comes last and
/// whole, as compact JSON, because it is the part of unbounded length.
enum MessageLine {
    /// The line for `message`.
    static func format(_ message: DeliveredMessage) -> String {
        var parts = [
            message.messageID,
            message.timestamp,
            message.priority,
            message.messageType,
            "\(message.fromAgent) -> \(message.toAgent)",
            "attempt \(message.attempt)",
        ]
        if let correlation = message.object["correlation_id"]?.stringValue {
            parts.append("correlation \(correlation)")
        }
        if let dead = message.object["dead"]?.objectValue {
            let attempts = dead["attempts"]?.intValue ?? 0
            let counted = "\(attempts) attempt\(attempts == 1 ? "" : "s")"
            parts.append("dead (\(dead.display("reason")), \(counted), \(dead.display("at")))")
        }
        parts.append(message.content.jsonString)
        return parts.joined(separator: "  ")
    }

    /// The `{"messages": [...]}` reply shape, for `--json`.
    static func reply(_ messages: [DeliveredMessage]) -> JSONObject {
        ["messages": .array(messages.map { .object($0.object) })]
    }
}
