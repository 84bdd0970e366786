import NIOCore
import NIOPosix
import Synchronization

/// An auto-pipelining Redis client: one connection per event loop, I/O on that loop.
///
/// A command submitted on an event loop goes out on that loop's connection with everything
/// else the loop writes in the same tick, and its completion runs on the same loop; no thread
/// hops. Submission order is kept per loop (and per submitting thread for submissions from
/// outside any loop, which go through one default loop), which is all the ordering Redis
/// users can rely on anyway: independent loops are independent clients.
///
/// Each connection is opened on first use; see ``RedisLoopConnection`` for reconnects and
/// backoff, and ``RedisPipelineHandler`` for the reply watchdog.
public final class RedisClient: Sendable {
    private struct Connections {
        var byLoop: [ObjectIdentifier: RedisLoopConnection] = [:]
        var isShutdown = false
    }

    private let configuration: RedisConfiguration
    private let endpoint: RedisEndpoint
    private let defaultLoop: any EventLoop
    private let connections = Mutex(Connections())
    private let metrics: RedisMetrics

    /// Creates a client; it does not connect until the first command is submitted.
    /// `endpoint` says where connections go (by default the one `configuration` describes);
    /// `defaultLoop` serves submissions that do not name a loop; `metrics` records round trips.
    public init(
        configuration: RedisConfiguration,
        endpoint: RedisEndpoint? = nil,
        defaultLoop: (any EventLoop)? = nil,
        metrics: RedisMetrics = RedisMetrics()
    ) {
        self.configuration = configuration
        self.endpoint = endpoint ?? RedisEndpoint(configuration: configuration)
        self.defaultLoop = defaultLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        self.metrics = metrics
    }

    /// Submits commands to run back to back in this order, on `loop`'s connection.
    ///
    /// `completion` runs on `loop` — keep it short — with one reply per command (a Redis error
    /// reply is an ``RedisReply/error(_:)`` element, not a failure), or with a failure when the
    /// connection could not be used. After a failure the commands' effect is unknown: if it
    /// happened before anything was written none of them ran, but if the connection broke after
    /// writing, some or all of them may have run.
    public func submit(
        _ commands: [RedisCommand],
        on loop: any EventLoop,
        completion: @escaping @Sendable (Result<[RedisReply], RedisStreamsError>) -> Void
    ) {
        let request = RedisRequest(commands: commands, completion: completion)
        guard let connection = self.connection(for: loop) else {
            loop.execute { completion(.failure(.closed())) }
            return
        }
        connection.submit(request)
    }

    /// Submits commands on the default loop (see ``submit(_:on:completion:)``).
    public func submit(
        _ commands: [RedisCommand],
        completion: @escaping @Sendable (Result<[RedisReply], RedisStreamsError>) -> Void
    ) {
        self.submit(commands, on: self.defaultLoop, completion: completion)
    }

    /// Runs the commands back to back and returns one reply each.
    public func execute(_ commands: [RedisCommand]) async throws(RedisStreamsError) -> [RedisReply] {
        let result = await withCheckedContinuation { continuation in
            self.submit(commands) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Runs one command and returns its reply (an error reply is returned, not thrown).
    public func execute(_ command: RedisCommand) async throws(RedisStreamsError) -> RedisReply {
        let replies = try await self.execute([command])
        guard let reply = replies.first else {
            throw .protocolError("no reply for \(command.arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "command")")
        }
        return reply
    }

    /// True when at least one loop's connection is open and none has been shut down.
    public var isConnected: Bool {
        self.connections.withLock { connections in
            !connections.isShutdown && connections.byLoop.values.contains { $0.isConnected }
        }
    }

    /// Closes every connection; waiting and later submissions fail with `.closed`. Requests
    /// already written fail too when their connection closes. Idempotent.
    public func shutdown() {
        let open = self.connections.withLock { connections in
            connections.isShutdown = true
            return Array(connections.byLoop.values)
        }
        for connection in open {
            connection.shutdown()
        }
    }

    /// `loop`'s connection, created on first use; nil after shutdown.
    private func connection(for loop: any EventLoop) -> RedisLoopConnection? {
        let key = ObjectIdentifier(loop as AnyObject)
        return self.connections.withLock { connections in
            if connections.isShutdown { return nil }
            if let connection = connections.byLoop[key] { return connection }
            let connection = RedisLoopConnection(loop: loop, configuration: self.configuration, endpoint: self.endpoint, metrics: self.metrics)
            connections.byLoop[key] = connection
            return connection
        }
    }
}
