/// Builds reply and event frames as JSON bytes (without the trailing newline).
///
/// Replies are written directly with `JSONWriter`: the hot path never builds a `JSONValue`
/// tree or goes through Foundation.
public enum Reply {
    /// A success reply: `{"id":…,"ok":true` + the fields `body` writes + `}`.
    ///
    /// `body` writes its fields each starting with a comma, e.g. `,"acked":3`.
    public static func success(id: RequestID?, _ body: (inout JSONWriter) -> Void = { _ in }) -> [UInt8] {
        var w = JSONWriter(capacity: 64)
        w.writeRaw("{\"id\":")
        writeID(id, &w)
        w.writeRaw(",\"ok\":true")
        body(&w)
        w.writeRaw("}")
        return w.bytes
    }

    /// A failure reply carrying the error's code and message.
    public static func failure(id: RequestID?, _ error: AgentdError) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.writeRaw("{\"id\":")
        writeID(id, &w)
        w.writeRaw(",\"ok\":false,\"error\":{\"code\":")
        w.writeString(error.code.rawValue)
        w.writeRaw(",\"message\":")
        w.writeString(error.message)
        w.writeRaw("}}")
        return w.bytes
    }

    /// A pushed `message` event around an already-encoded message object.
    public static func messageEvent(_ message: [UInt8]) -> [UInt8] {
        var w = JSONWriter(capacity: message.count + 32)
        w.writeRaw(Self.messageEventPrefix)
        w.writeRaw(message)
        w.writeRaw("}")
        return w.bytes
    }

    /// What comes before the message in a `message` event.
    public static let messageEventPrefix = Array(#"{"event":"message","message":"#.utf8)
    /// What ends a `message` event line.
    public static let messageEventSuffix = Array("}\n".utf8)

    private static func writeID(_ id: RequestID?, _ w: inout JSONWriter) {
        if let id {
            id.write(to: &w)
        } else {
            w.writeNull()
        }
    }
}
