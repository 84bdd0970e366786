import NIOHTTP1

/// What the responder needs of one HTTP request.
public struct AdminRequest: Sendable {
    /// The method.
    public var method: HTTPMethod
    /// The request target: path and query.
    public var uri: String
    /// The `Authorization` header, if any.
    public var authorization: String?
    /// The peer's IP address ("unknown" when NIO cannot tell): failed tokens are slowed down
    /// per address.
    public var remoteAddress: String

    /// A request.
    public init(method: HTTPMethod, uri: String, authorization: String? = nil, remoteAddress: String = "unknown") {
        self.method = method
        self.uri = uri
        self.authorization = authorization
        self.remoteAddress = remoteAddress
    }

    /// The parts of `head` that matter here.
    init(head: HTTPRequestHead, remoteAddress: String) {
        self.init(
            method: head.method,
            uri: head.uri,
            authorization: head.headers.first(name: "authorization"),
            remoteAddress: remoteAddress
        )
    }
}
