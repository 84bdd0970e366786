/// The `id` of a request, echoed in its reply as the same JSON value.
public enum RequestID: Sendable, Hashable {
    case string(String)
    /// Kept as its literal text so `7` comes back as `7` and `1e2` as `1e2`.
    case number(JSONNumber)

    /// Writes the id as JSON.
    public func write(to writer: inout JSONWriter) {
        switch self {
        case .string(let s): writer.writeString(s)
        case .number(let n): writer.writeValue(.number(n))
        }
    }
}
