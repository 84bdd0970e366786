import AgentCore
import NIOCore
import NIOPosix
import NIOSSL

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

    /// Connects to agentd at `host:port`, over TLS when `tls` is given (the call then returns
    /// once the handshake is done).
    ///
    /// - Throws: ``AgentdClientError/tlsSetup(_:)`` when the TLS files cannot be used,
    ///   ``AgentdClientError/tlsHandshake(_:)`` when the handshake fails (an untrusted
    ///   certificate, a refused client certificate), or the connection error.
    public static func connect(
        host: String = "127.0.0.1",
        port: Int = 7420,
        tls: ClientTLS? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(5)
    ) async throws -> AgentdClient {
        let state = ClientState()
        // Built before connecting: a bad CA or key file is the caller's error, not the network's.
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try tls.map { try $0.makeContext() }
        } catch let error as AgentdClientError {
            throw error
        } catch {
            throw AgentdClientError.tlsSetup("\(error)")
        }
        let serverHostname = tls?.hostname(connectingTo: host)
        // Completed by the HandshakeWatcher; failed here too if the connection never came up,
        // so that no promise is left behind.
        let handshake = tlsContext.map { _ in group.any().makePromise(of: Void.self) }
        let connecting = ClientBootstrap(group: group)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                        if let handshake {
                            try pipeline.addHandler(HandshakeWatcher(promise: handshake))
                        }
                    }
                    try pipeline.addHandler(ByteToMessageHandler(ClientLineDecoder()))
                    try pipeline.addHandler(ClientFrameHandler(state: state))
                }
            }
            .connect(host: host, port: port)
        let channel: any Channel
        do {
            channel = try await connecting.get()
        } catch {
            handshake?.fail(error)
            throw error
        }
        if let handshake {
            do {
                try await handshake.futureResult.get()
            } catch {
                channel.close(promise: nil)
                throw AgentdClientError.tlsHandshake("with \(host):\(port): \(error)")
            }
        }
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
