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
///
/// **Failover.** Given several servers (daemons on one Redis), the client uses one at a
/// time and moves to the next when that one dies, refuses it (`overloaded`) or says `bye`
/// (``FailoverConfiguration`` says how hard it tries). On the new connection it says
/// `hello` again and restores its subscription (same prefetch). Requests that were waiting
/// for a reply fail with ``AgentdClientError/interrupted(server:)``: they may or may not have
/// taken effect, so retry them (give `send` a `messageID` and the retry is stored once).
/// Requests made while it fails over wait for the new connection.
///
/// ```swift
/// let client = try await AgentdClient.connect(servers: [
///     ServerAddress(host: "10.0.0.5", port: 7420), ServerAddress(host: "::1", port: 7421),
/// ])
/// ```
public final class AgentdClient: Sendable {
    private let connection: ClientConnection

    private init(connection: ClientConnection) {
        self.connection = connection
    }

    /// Connects to agentd at `host:port`, over TLS when `tls` is given (the call then returns
    /// once the handshake is done). The client does not reconnect: once the connection is
    /// lost, requests fail with ``AgentdClientError/connectionClosed``.
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
        try await self.connect(
            servers: [ServerAddress(host: host, port: port)],
            failover: .never,
            tls: tls,
            group: group,
            connectTimeout: connectTimeout,
            throwsAttemptError: true
        )
    }

    /// Connects to the first of `servers` that answers (round robin, as `failover` says),
    /// over TLS when `tls` is given; fails over to the others later (see the type's notes).
    ///
    /// - Throws: ``AgentdClientError/tlsSetup(_:)`` when the TLS files cannot be used,
    ///   ``AgentdClientError/unreachable(_:)`` when no server answered within `failover`'s
    ///   bounds (with each server's last failure: refused, timed out, a TLS handshake error…).
    public static func connect(
        servers: [ServerAddress],
        failover: FailoverConfiguration = FailoverConfiguration(),
        tls: ClientTLS? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(5)
    ) async throws -> AgentdClient {
        try await self.connect(
            servers: servers,
            failover: failover,
            tls: tls,
            group: group,
            connectTimeout: connectTimeout,
            throwsAttemptError: false
        )
    }

    private static func connect(
        servers: [ServerAddress],
        failover: FailoverConfiguration,
        tls: ClientTLS?,
        group: any EventLoopGroup,
        connectTimeout: TimeAmount,
        throwsAttemptError: Bool
    ) async throws -> AgentdClient {
        // Built before connecting: a bad CA or key file is the caller's error, not the network's.
        let tlsContext: NIOSSLContext?
        do {
            tlsContext = try tls.map { try $0.makeContext() }
        } catch let error as AgentdClientError {
            throw error
        } catch {
            throw AgentdClientError.tlsSetup("\(error)")
        }
        let connection = ClientConnection(settings: .init(
            servers: servers,
            failover: failover,
            tls: tls,
            tlsContext: tlsContext,
            group: group,
            connectTimeout: connectTimeout,
            throwsAttemptError: throwsAttemptError
        ))
        try await connection.start()
        return AgentdClient(connection: connection)
    }

    /// The servers this client may use, in the order given.
    public var servers: [ServerAddress] {
        self.connection.settings.servers
    }

    /// The server of the connection in use; nil while the client fails over, and once it
    /// is closed or has given up.
    public var server: ServerAddress? {
        self.connection.server
    }

    /// Every event agentd pushes (`{"event": "message", ...}`, `{"event": "bye", ...}`), in
    /// arrival order, across failovers; finishes when the client is closed, its connection
    /// ends without failover, or failover gives up. Iterate it from one task only.
    public var events: AsyncStream<JSONObject> {
        self.connection.events
    }

    /// Sends one request and returns its reply (whose `ok` is true).
    ///
    /// - Throws: ``AgentdClientError/server(code:message:)`` when agentd answers with an
    ///   error, ``AgentdClientError/interrupted(server:)`` when the connection was lost
    ///   first and the client fails over (retry), ``AgentdClientError/connectionClosed``
    ///   when it ended for good, ``AgentdClientError/unreachable(_:)`` when failover gave up.
    @discardableResult
    public func request(_ op: String, _ fields: JSONObject = [:]) async throws -> JSONObject {
        try await self.connection.request(op, fields)
    }

    /// Closes the connection (without `bye`) for good; waiting requests fail with
    /// `connectionClosed`.
    public func close() async {
        await self.connection.close()
    }
}
