import Dispatch
import Synchronization

/// An auto-pipelining client over ONE hiredis connection on its own serial DispatchQueue.
///
/// Commands submitted (from any thread) are queued in submission order; the queue drains them in
/// batches: append all pending commands (up to `maximumBatch`) to the hiredis output buffer, flush,
/// then read that many replies, then invoke callbacks in order. While one batch is in flight new
/// submissions accumulate and form the next batch (group commit), so many concurrent callers
/// share one round trip.
///
/// The connection is opened lazily on the first batch. On a connect or I/O failure the whole batch
/// fails, the connection is dropped and the next batch reconnects — but only once a backoff delay
/// (50 ms doubling to 1 s, reset on success) has passed; until then batches fail at once with
/// `.unreachable`, without touching the network.
public final class RedisClient: @unchecked Sendable {
    // @unchecked because `connection` and `backoff` are mutable without a lock: they are only
    // touched on `queue`, which is serial. Everything shared with submitting threads is in `shared`.

    private struct Job {
        var commands: [RedisCommand]
        /// Set for a submission that is invalid; it still waits its turn so callbacks stay in order.
        var rejection: RedisStreamsError?
        var completion: @Sendable (Result<[RedisReply], RedisStreamsError>) -> Void
    }

    private struct SharedState {
        var pending: [Job] = []
        /// Index of the first job not yet taken; avoids O(n) removeFirst per batch.
        var head = 0
        /// A drain loop is scheduled or running on `queue`.
        var draining = false
        var isShutdown = false
        var isConnected = false
    }

    private let configuration: RedisConfiguration
    private let queue: DispatchQueue
    private let shared = Mutex(SharedState())

    // Confined to `queue`.
    private var connection: HiredisConnection?
    private var backoff = ReconnectBackoff()
    /// Message of the last failure, repeated in fast failures during backoff.
    private var lastFailure: String?

    /// Creates a client; it does not connect until the first command is submitted.
    public init(configuration: RedisConfiguration, label: String = "agentd.redis") {
        self.configuration = configuration
        self.queue = DispatchQueue(label: label)
    }

    /// Submits commands to run back to back in this order.
    ///
    /// They are pipelined with everything else submitted around them; submission order across
    /// ALL calls is preserved exactly (callers rely on this for FIFO), and the commands of one call
    /// are never split across connections.
    ///
    /// `completion` runs on the client's queue — keep it short — with one reply per command
    /// (a Redis error reply is an ``RedisReply/error(_:)`` element, not a failure), or with a
    /// failure when the connection could not be used. After a failure the commands' effect is
    /// unknown: if it happened before anything was written none of them ran, but if the
    /// connection broke after writing, some or all of them may have run.
    public func submit(
        _ commands: [RedisCommand],
        completion: @escaping @Sendable (Result<[RedisReply], RedisStreamsError>) -> Void
    ) {
        // Rejected up front so that one malformed command cannot fail the batch it would share.
        let rejection: RedisStreamsError? = commands.contains { $0.count == 0 }
            ? .protocolError("cannot send a command without arguments") : nil
        let outcome: (closed: Bool, startDrain: Bool) = shared.withLock { state in
            if state.isShutdown { return (true, false) }
            state.pending.append(Job(commands: commands, rejection: rejection, completion: completion))
            if state.draining { return (false, false) }
            state.draining = true
            return (false, true)
        }
        if outcome.closed {
            queue.async { completion(.failure(.closed())) }
        } else if outcome.startDrain {
            queue.async { self.drain() }
        }
    }

    /// Runs the commands back to back (see ``submit(_:completion:)``) and returns one reply each.
    public func execute(_ commands: [RedisCommand]) async throws(RedisStreamsError) -> [RedisReply] {
        let result = await withCheckedContinuation { continuation in
            submit(commands) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Runs one command and returns its reply (an error reply is returned, not thrown).
    public func execute(_ command: RedisCommand) async throws(RedisStreamsError) -> RedisReply {
        let replies = try await execute([command])
        guard let reply = replies.first else {
            throw .protocolError("no reply for \(command.arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "command")")
        }
        return reply
    }

    /// True when the last attempt to use the connection succeeded.
    public var isConnected: Bool {
        shared.withLock { $0.isConnected }
    }

    /// Closes the connection; queued and later submissions fail with `.closed`. A batch already
    /// in flight completes normally. Idempotent.
    public func shutdown() {
        let orphans: [Job] = shared.withLock { state in
            state.isShutdown = true
            state.isConnected = false
            let rest = Array(state.pending[state.head...])
            state.pending = []
            state.head = 0
            return rest
        }
        queue.async {
            self.connection = nil
            for job in orphans { job.completion(.failure(.closed())) }
        }
    }

    // MARK: - Queue-confined work

    /// Takes batches until nothing is pending. Runs on `queue` only.
    private func drain() {
        while let batch = takeBatch() {
            if let first = batch.first, let rejection = first.rejection {
                first.completion(.failure(rejection))   // takeBatch returns a rejected job alone
                continue
            }
            let commands = batch.flatMap(\.commands)
            // A batch of only empty submissions needs no I/O.
            let result = commands.isEmpty ? .success([]) : run(commands)
            switch result {
            case .success(let replies):
                var offset = 0
                for job in batch {
                    let end = offset + job.commands.count
                    job.completion(.success(Array(replies[offset..<end])))
                    offset = end
                }
            case .failure(let error):
                for job in batch { job.completion(.failure(error)) }
            }
        }
    }

    /// Removes the next jobs totalling at most `maximumBatch` commands (at least one job, so an
    /// oversized job still runs, alone; a rejected job is always returned alone). Returns nil, and marks draining finished, when empty.
    private func takeBatch() -> [Job]? {
        let limit = max(1, configuration.maximumBatch)
        return shared.withLock { state -> [Job]? in
            guard state.head < state.pending.count else {
                state.pending.removeAll(keepingCapacity: state.pending.capacity <= 4096)
                state.head = 0
                state.draining = false
                return nil
            }
            var batch: [Job] = []
            var count = 0
            while state.head < state.pending.count {
                let job = state.pending[state.head]
                if !batch.isEmpty && (job.rejection != nil || count + job.commands.count > limit) { break }
                batch.append(job)
                count += job.commands.count
                state.head += 1
                if job.rejection != nil { break }
            }
            // Compact occasionally so a long burst does not keep every finished job alive.
            if state.head >= 1024 && state.head * 2 >= state.pending.count {
                state.pending.removeFirst(state.head)
                state.head = 0
            }
            return batch
        }
    }

    /// One round trip for the batch, connecting first if needed. Runs on `queue` only.
    private func run(_ commands: [RedisCommand]) -> Result<[RedisReply], RedisStreamsError> {
        if shared.withLock({ $0.isShutdown }) {
            connection = nil
            return .failure(.closed())
        }
        if connection == nil, let wait = backoff.remainingWait(at: .now) {
            // Fail fast during an outage instead of making every caller wait for a connect timeout.
            let (seconds, attoseconds) = wait.components
            let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1
            return .failure(.unreachable(
                "\(configuration.host):\(configuration.port) unavailable (\(lastFailure ?? "earlier failure")); reconnecting in \(milliseconds) ms"))
        }
        do throws(RedisStreamsError) {
            let live = try connectIfNeeded()
            let replies = try live.roundTrip(commands)
            guard replies.count == commands.count else {
                throw .protocolError("expected \(commands.count) replies, got \(replies.count)")
            }
            backoff.recordSuccess()
            shared.withLock { $0.isConnected = true }
            return .success(replies)
        } catch {
            // hiredis contexts are unusable after any error; a failed handshake is not trusted either.
            connection = nil
            backoff.recordFailure(at: .now)
            lastFailure = error.message
            shared.withLock { $0.isConnected = false }
            return .failure(error)
        }
    }

    private func connectIfNeeded() throws(RedisStreamsError) -> HiredisConnection {
        if let connection { return connection }
        let fresh = try HiredisConnection.connect(
            host: configuration.host, port: configuration.port, timeout: configuration.timeout)
        try handshake(fresh)
        connection = fresh
        return fresh
    }

    /// AUTH and SELECT as configured, in one round trip; any error reply fails the connection.
    private func handshake(_ fresh: HiredisConnection) throws(RedisStreamsError) {
        var commands: [RedisCommand] = []
        if let password = configuration.password {
            if let username = configuration.username {
                commands.append(RedisCommand("AUTH", username, password))
            } else {
                commands.append(RedisCommand("AUTH", password))
            }
        }
        if configuration.database != 0 {
            commands.append(RedisCommand("SELECT", String(configuration.database)))
        }
        guard !commands.isEmpty else { return }
        let replies = try fresh.roundTrip(commands)
        for (command, reply) in zip(commands, replies) {
            if let message = reply.errorMessage {
                let name = command.arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "?"
                throw .serverError("\(name) failed: \(message)")
            }
        }
    }
}
