import AgentCore
import NIOHTTP1

/// One answer of the admin port: status, content type, body, and any extra headers.
public struct AdminResponse: Sendable {
    /// The HTTP status.
    public var status: HTTPResponseStatus
    /// The `Content-Type` header.
    public var contentType: String
    /// The body (sent with `Content-Length`; left out for `HEAD`).
    public var body: [UInt8]
    /// Headers besides `Content-Type`, `Content-Length` and `Cache-Control`.
    public var headers: [(String, String)]

    /// A response; `headers` adds to the standard ones.
    public init(status: HTTPResponseStatus, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    /// The body as text (tests, logs).
    public var bodyText: String { String(decoding: self.body, as: UTF8.self) }

    /// A JSON body.
    public static func json(_ body: [UInt8], status: HTTPResponseStatus = .ok) -> AdminResponse {
        AdminResponse(status: status, contentType: "application/json", body: body)
    }

    /// A JSON error body shaped like the agent port's errors: `{"error": {"code", "message"}}`.
    public static func error(_ status: HTTPResponseStatus, code: String, _ message: String) -> AdminResponse {
        var w = JSONWriter()
        w.writeRaw("{\"error\":{\"code\":")
        w.writeString(code)
        w.writeRaw(",\"message\":")
        w.writeString(message)
        w.writeRaw("}}")
        return .json(w.bytes, status: status)
    }

    /// An agentd error (a bad query field, the store unreachable) as its HTTP status.
    public static func error(_ error: AgentdError) -> AdminResponse {
        let status: HTTPResponseStatus
        switch error.code {
        case .badRequest, .badJSON: status = .badRequest
        case .notFound: status = .notFound
        case .unavailable: status = .serviceUnavailable
        case .overloaded: status = .tooManyRequests
        case .unauthenticated: status = .unauthorized
        case .forbidden: status = .forbidden
        default: status = .internalServerError
        }
        return .error(status, code: error.code.rawValue, error.message)
    }

    /// 404 for a path the port does not serve.
    static let notFound = AdminResponse.error(.notFound, code: "not_found", "no such path; see docs/operations.md")

    /// 405 for a method other than GET and HEAD.
    static let methodNotAllowed: AdminResponse = {
        var response = AdminResponse.error(.methodNotAllowed, code: "bad_request", "only GET and HEAD are served")
        response.headers.append(("Allow", "GET, HEAD"))
        return response
    }()

    /// 401 for a missing or wrong bearer token (the same answer either way).
    static let unauthorized: AdminResponse = {
        var response = AdminResponse.error(
            .unauthorized, code: "unauthenticated",
            "send Authorization: Bearer <token> of an agent with the monitor, supervisor or coordinator role")
        response.headers.append(("WWW-Authenticate", "Bearer realm=\"agentd\""))
        return response
    }()
}
