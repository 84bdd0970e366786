import AgentCore

/// What a connection has said that its replacement must say again: the last `hello` and
/// the current subscription, each as the fields that were sent.
struct ClientSession: Sendable, Equatable {
    /// The fields of the last `hello` agentd accepted; nil before the first.
    var hello: JSONObject?
    /// The fields of the last `subscribe` agentd accepted; nil when not subscribed.
    var subscription: JSONObject?
}

/// The requests whose outcome the connection logic needs to know.
enum RequestKind: Sendable, Equatable {
    case hello(JSONObject)
    case subscribe(JSONObject)
    case unsubscribe
    case bye
    case other

    init(op: String, fields: JSONObject) {
        switch op {
        case "hello": self = .hello(fields)
        case "subscribe": self = .subscribe(fields)
        case "unsubscribe": self = .unsubscribe
        case "bye": self = .bye
        default: self = .other
        }
    }
}
