/// Validation of agent ids: 1–128 characters of `[A-Za-z0-9._:@-]`.
public enum AgentID {
    /// The longest agent id accepted; ids become Redis key parts, so they stay short.
    public static let maximumLength = 128

    /// The id the server itself uses as `from_agent`; no client may say hello as it.
    public static let server = "agentd"

    /// Whether `id` is a well-formed agent id.
    public static func isValid(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty, utf8.count <= maximumLength else { return false }
        return utf8.allSatisfy(isAllowed)
    }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
