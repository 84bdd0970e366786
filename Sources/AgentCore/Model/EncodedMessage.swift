/// Splices per-delivery fields into a stored message's JSON without parsing it again.
///
/// A stored message is a compact JSON object (`{…}`) written by `SendRequest.storedJSON`;
/// its last byte is the closing brace, so extra members go just before it.
public enum EncodedMessage {
    /// The message as delivered: the stored JSON plus
    /// `"delivery":{"attempt":n,"delivered_at":"…"}`.
    public static func delivered(_ stored: [UInt8], attempt: Int, at time: Timestamp) -> [UInt8] {
        var w = JSONWriter(capacity: stored.count + 64)
        appendOpen(stored, &w)
        w.writeRaw("\"delivery\":{\"attempt\":")
        w.writeInt(attempt)
        w.writeRaw(",\"delivered_at\":\"")
        w.writeTimestamp(time)
        w.writeRaw("\"}}")
        return w.bytes
    }

    /// The message as listed among dead letters: the stored JSON plus
    /// `"dead":{"reason":…,"attempts":n,"at":"…"}`.
    public static func dead(_ stored: [UInt8], reason: String, attempts: Int, at time: Timestamp) -> [UInt8] {
        var w = JSONWriter(capacity: stored.count + 80)
        appendOpen(stored, &w)
        w.writeRaw("\"dead\":{\"reason\":")
        w.writeString(reason)
        w.writeRaw(",\"attempts\":")
        w.writeInt(attempts)
        w.writeRaw(",\"at\":\"")
        w.writeTimestamp(time)
        w.writeRaw("\"}}")
        return w.bytes
    }

    /// Writes `stored` without its closing brace, plus a separating comma when needed.
    private static func appendOpen(_ stored: [UInt8], _ w: inout JSONWriter) {
        guard stored.count >= 2, stored.last == UInt8(ascii: "}") else {
            // Not an object: cannot happen for messages agentd wrote; keep the frame valid anyway.
            w.writeRaw("{")
            return
        }
        w.writeRaw(stored.dropLast())
        if stored.count > 2 {
            w.writeRaw(",")
        }
    }
}
