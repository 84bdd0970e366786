/// The W3C trace-context `traceparent` header value a message (or task) may carry:
/// `00-<32 hex>-<16 hex>-<2 hex>`, lower-case hex as the W3C recommendation requires.
///
/// agentd only checks the form and echoes the string untouched; it never starts spans itself.
public enum TraceParent {
    /// The exact length of a version-00 `traceparent`: 2 + 1 + 32 + 1 + 16 + 1 + 2.
    public static let length = 55

    /// Whether `value` is a version-00 `traceparent`. Trace and parent ids of all zeros are
    /// invalid in the W3C recommendation, so they are refused too.
    public static func isValid(_ value: String) -> Bool {
        let bytes = value.utf8
        guard bytes.count == Self.length else { return false }
        var index = 0
        var traceIDIsZero = true
        var parentIDIsZero = true
        for byte in bytes {
            switch index {
            case 0, 1:
                guard byte == UInt8(ascii: "0") else { return false }
            case 2, 35, 52:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                guard Self.isLowerHex(byte) else { return false }
                if byte != UInt8(ascii: "0") {
                    if index < 35 { traceIDIsZero = false } else if index < 52 { parentIDIsZero = false }
                }
            }
            index += 1
        }
        return !traceIDIsZero && !parentIDIsZero
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}

extension FieldReader {
    /// An optional `traceparent` (see `TraceParent`); any other form is `bad_request` naming it.
    public func optionalTraceParent(_ key: String = "traceparent") throws(AgentdError) -> String? {
        guard let value = try self.optionalString(key) else { return nil }
        guard TraceParent.isValid(value) else {
            throw .badRequest("\(self.path)\(key): must be a W3C traceparent 00-<32 hex>-<16 hex>-<2 hex> (lower-case hex)")
        }
        return value
    }
}
