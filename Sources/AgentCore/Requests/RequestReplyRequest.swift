/// `request {message, timeout_ms?}`: a `send` that then waits for the reply.
public struct RequestReplyRequest: Sendable {
    /// Longest wait for the reply: five minutes, the contract's bound. A waiting request holds
    /// back the later replies of its connection, so the wait must stay bounded.
    public static let maximumTimeoutMilliseconds = 300_000
    /// The wait when `timeout_ms` is absent.
    public static let defaultTimeoutMilliseconds = 30_000

    /// The message to send, validated exactly as `send` validates it.
    public var message: SendRequest
    /// How long to wait for the reply (1...300 000 ms, default 30 000).
    public var timeoutMilliseconds: Int

    /// Reads a `request`.
    public init(_ body: JSONObject) throws(AgentdError) {
        self.message = try SendRequest(body)
        self.timeoutMilliseconds =
            try FieldReader(body).optionalInt("timeout_ms", in: 1...Self.maximumTimeoutMilliseconds)
            ?? Self.defaultTimeoutMilliseconds
    }
}
