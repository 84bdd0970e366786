import AgentCore
import NIOCore
import NIOPosix

/// A connection to agentd, for Swift programs: the demo's agents, `agentctl`, tests.
///
/// Requests may be made from any number of tasks at once; each gets its own id and its reply
/// is matched by id, so they are pipelined on the one connection. Pushed frames (`message`
/// and `bye` events) arrive on ``events``.
///
/// ```swift
/// let client = try await AgentdClient.connect(host: "127.0.0.1", port: 7420)
/// try await client.hello(agentID: "planner")
/// try await client.send(to: "worker-1", type: "task_request", content: ["job": "summarise"])
/// let messages = try await client.fetch(limit: 10, wait: .seconds(5))
/// ```
public final class AgentdClient: Sendable {
    private let channel: any Channel
    private let state: ClientState

    private init(channel: any Channel, state: ClientState) {
        self.channel = channel
        self.state = state
    }

    /// Connects to agentd at `host:port`.
    public static func connect(
        host: String = "127.0.0.1",
        port: Int = 7420,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(5)
    ) async throws -> AgentdClient {
        let state = ClientState()
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClientLineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ClientFrameHandler(state: state))
                }
            }
            .connect(host: host, port: port)
            .get()
        return AgentdClient(channel: channel, state: state)
    }

    /// Every event agentd pushes (`{"event": "message", ...}`, `{"event": "bye", ...}`), in
    /// arrival order; finishes when the connection closes. Iterate it from one task only.
    public var events: AsyncStream<JSONObject> {
        self.state.events
    }

    /// Sends one request and returns its reply (whose `ok` is true).
    ///
    /// - Throws: ``AgentdClientError/server(code:message:)`` when agentd answers with an
    ///   error, ``AgentdClientError/connectionClosed`` when the connection ends first.
    @discardableResult
    public func request(_ op: String, _ fields: JSONObject = [:]) async throws -> JSONObject {
        try await withCheckedThrowingContinuation { continuation in
            switch self.state.register(continuation) {
            case .failure(let error):
                continuation.resume(throwing: error)
            case .success(let id):
                var frame: JSONObject = ["op": .string(op), "id": .number(JSONNumber(id))]
                for (key, value) in fields {
                    frame[key] = value
                }
                var buffer = self.channel.allocator.buffer(capacity: 128)
                buffer.writeBytes(JSONValue.object(frame).jsonBytes)
                buffer.writeInteger(UInt8(ascii: "\n"))
                self.channel.writeAndFlush(buffer).whenFailure { error in
                    self.state.abandon(id, error)
                }
            }
        }
    }

    /// Closes the connection (without `bye`); waiting requests fail with `connectionClosed`.
    public func close() async {
        try? await self.channel.close()
    }
}
