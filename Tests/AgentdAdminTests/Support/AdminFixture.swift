import AgentCore
import AgentdAuth
import NIOCore
import NIOPosix
import NIOHTTP1
import Prometheus

@testable import AgentdAdmin
@testable import Broker

/// A broker over the memory store on a real event loop, whose metrics go to a private
/// Prometheus registry (no global bootstrap, so suites run in parallel), and a responder over it.
struct AdminFixture {
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let broker: Broker
    let registry = PrometheusCollectorRegistry()
    let readiness = AdminReadiness()
    let responder: AdminResponder

    /// With `tokens`, `auth.mode = token` over those entries (agent, token, roles).
    init(tokens: [(String, String, Set<String>)]? = nil) throws {
        let configuration = BrokerConfiguration()
        let authenticator = try tokens.map { entries in
            HelloAuthenticator(table: try TokenTable(entries: entries.map {
                TokenEntry(agent: $0.0, tokenSHA256: AgentToken.sha256Hex($0.1), roles: $0.2)
            }))
        }
        self.broker = Broker(
            configuration: configuration,
            store: MemoryStore(),
            loop: self.loop,
            logger: .init(label: "agentd.test"),
            authenticator: authenticator,
            metrics: BrokerMetrics(factory: PrometheusMetricsFactory(registry: self.registry))
        )
        try self.broker.start().wait()
        self.responder = AdminResponder(broker: self.broker, registry: self.registry, readiness: self.readiness)
    }

    /// `from` is the peer address: refusals from one address are slowed down more and more.
    func get(
        _ uri: String,
        authorization: String? = nil,
        method: HTTPMethodName = .GET,
        from address: String = "10.0.0.1"
    ) async throws -> AdminResponse {
        let request = AdminRequest(method: method.nio, uri: uri, authorization: authorization, remoteAddress: address)
        return try await self.responder.respond(to: request, on: self.loop).get()
    }

    func register(_ agent: String, _ role: AgentRole, _ caps: [String], max: Int = 1) throws {
        var body = JSONObject()
        body["role"] = .string(role.rawValue)
        body["capabilities"] = .array(caps.map { .string($0) })
        body["max_concurrent_tasks"] = .number(JSONNumber(max))
        _ = try self.broker.registry.register(agent, try RegisterRequest(body), now: WallClock.nowMilliseconds()).wait()
    }

    func assign(_ type: String, caps: [String]) throws -> TaskRecord {
        var body = JSONObject()
        body["task_type"] = .string(type)
        body["required_capabilities"] = .array(caps.map { .string($0) })
        return try self.broker.coordinator.assign(try AssignTaskRequest(body), supervisor: "boss").wait().task
    }

    func send(to agent: String, priority: Priority = .medium, type: MessageType = .statusUpdate) throws {
        let request = SendRequest(toAgent: agent, messageType: type, content: [:], priority: priority)
        _ = try self.broker.send(request, from: "tester", on: self.loop).wait()
    }
}

/// The methods the tests use, without importing NIOHTTP1 in every file.
enum HTTPMethodName {
    case GET, HEAD, POST

    var nio: NIOHTTP1.HTTPMethod {
        switch self {
        case .GET: .GET
        case .HEAD: .HEAD
        case .POST: .POST
        }
    }
}

extension AdminResponse {
    /// The body parsed as a JSON object.
    var json: JSONObject? {
        (try? JSONParser.parse(self.body, maximumDepth: 64))?.objectValue
    }
}
