import AgentCore

/// Who sent which message, remembered by the audit writer so that `acked`, `nacked` and
/// `dead_lettered` lines (whose hooks know only the id, recipient and attempt) carry the
/// sender, type and priority too, as `sent` and `delivered` lines do.
///
/// Bounded: the oldest entries are forgotten past `capacity` (a message acked after that
/// many newer ones just gets the shorter line). An ack or dead letter forgets the message.
/// Used only on the audit writer's queue.
struct AuditMessageIndex {
    /// The fields copied onto later lines of the same message.
    static let keys = ["from_agent", "message_type", "priority"]

    let capacity: Int
    private var known: [String: JSONObject] = [:]
    /// Insertion order, for forgetting the oldest; ids already forgotten are skipped.
    private var order: [String] = []
    private var head = 0

    init(capacity: Int) {
        self.capacity = capacity
    }

    var count: Int { self.known.count }

    /// Learns from `sent`/`delivered` fields and fills in the missing fields of the others.
    mutating func enrich(_ name: String, _ fields: JSONObject) -> JSONObject {
        guard let id = fields["message_id"]?.stringValue else { return fields }
        switch name {
        case "sent", "delivered":
            self.remember(id, fields)
            return fields
        case "acked", "nacked", "dead_lettered":
            guard let extra = self.known[id] else { return fields }
            if name != "nacked" {
                self.known[id] = nil  // done with: acked or dead
            }
            var out = fields
            for (key, value) in extra where out[key] == nil {
                out[key] = value
            }
            return out
        default:
            return fields
        }
    }

    private mutating func remember(_ id: String, _ fields: JSONObject) {
        guard self.known[id] == nil else { return }
        var kept = JSONObject()
        for key in Self.keys {
            if let value = fields[key] { kept[key] = value }
        }
        self.known[id] = kept
        self.order.append(id)
        while self.known.count > self.capacity, self.head < self.order.count {
            self.known[self.order[self.head]] = nil
            self.head += 1
        }
        // Reclaim the forgotten prefix now and then, so `order` stays proportional to `known`.
        if self.head > 1_024 && self.head * 2 > self.order.count {
            self.order.removeFirst(self.head)
            self.head = 0
        }
        if self.order.count > 4 * self.capacity + 1_024 {
            // Mostly acked ids: keep only the ones still known.
            self.order = self.order[self.head...].filter { self.known[$0] != nil }
            self.head = 0
        }
    }
}
