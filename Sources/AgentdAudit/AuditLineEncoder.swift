import AgentCore

/// Renders events as JSON lines: `{"ts":"<RFC 3339 UTC, ms>","event":"<name>",…}\n`.
///
/// Runs on the audit writer's queue only, so the JSON work stays off the event loops.
enum AuditLineEncoder {
    /// The lines of one event (delivered frames make one line per message), message lines
    /// completed from `index`.
    static func lines(_ event: AuditEvent, at timestamp: Int64, index: inout AuditMessageIndex) -> [[UInt8]] {
        switch event.payload {
        case .fields(let fields):
            let complete = event.category == .messageAudit ? index.enrich(event.name, fields) : fields
            return [self.line(event.name, at: timestamp, complete)]
        case .deliveredFrames(let frames, let mode):
            return frames.map { frame in
                self.line(event.name, at: timestamp, index.enrich(event.name, self.deliveryFields(frame, mode: mode)))
            }
        }
    }

    static func line(_ name: String, at timestamp: Int64, _ fields: JSONObject) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.writeRaw("{\"ts\":\"")
        w.writeTimestamp(Timestamp(millisecondsSinceEpoch: timestamp))
        w.writeRaw("\",\"event\":")
        w.writeString(name)
        for (key, value) in fields {
            w.writeRaw(",")
            w.writeKey(key)
            w.writeValue(value)
        }
        w.writeRaw("}\n")
        return w.bytes
    }

    /// The audit fields of one delivered frame; a frame that does not parse (it always should)
    /// is recorded as such rather than lost.
    static func deliveryFields(_ frame: [UInt8], mode: String) -> JSONObject {
        var fields = JSONObject()
        guard var message = (try? JSONParser.parse(frame))?.objectValue else {
            fields["error"] = "unparsable delivery frame"
            return fields
        }
        // A pushed frame is the `message` event around the message.
        if message["event"]?.stringValue == "message", let inner = message["message"]?.objectValue {
            message = inner
        }
        for key in ["message_id", "from_agent", "to_agent", "message_type", "priority"] {
            if let value = message[key] { fields[key] = value }
        }
        if let attempt = message["delivery"]?["attempt"] { fields["attempt"] = attempt }
        fields["mode"] = .string(mode)
        return fields
    }
}
