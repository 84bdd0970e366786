import CHiredis

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking hiredis connection (`redisContext*`), owned exclusively by this object.
///
/// Not thread-safe: hiredis contexts have no internal locking, so every call must come from one
/// thread at a time. ``RedisClient`` only uses it from its own serial DispatchQueue.
///
/// Once any method has thrown, the context is dead ("once an error is returned the context
/// cannot be reused", hiredis README): drop this object and connect a new one.
final class HiredisConnection {
    /// Owned; created by redisConnectWithTimeout, freed only in deinit. Never handed out.
    private let context: UnsafeMutablePointer<redisContext>
    /// "host:port", for error messages.
    private let peer: String

    private init(context: UnsafeMutablePointer<redisContext>, peer: String) {
        self.context = context
        self.peer = peer
    }

    deinit {
        // Closes the socket and frees the context with its buffers and reader.
        redisFree(context)
    }

    /// Connects with `timeout` as connect timeout and as read/write timeout.
    static func connect(host: String, port: Int, timeout: Duration) throws(RedisStreamsError) -> HiredisConnection {
        SignalSetup.ignoreSIGPIPE()
        let peer = "\(host):\(port)"
        guard let portNumber = Int32(exactly: port), (1...65535).contains(portNumber) else {
            throw .unreachable("invalid port \(port) for \(host)")
        }
        let tv = timeval(timeout)
        // Returns an owned context even on failure (err set); nil only when allocation failed.
        guard let context = redisConnectWithTimeout(host, portNumber, tv) else {
            throw .unreachable("connect to \(peer): out of memory allocating context")
        }
        // From here the wrapper owns the context, so every early exit frees it via deinit.
        let connection = HiredisConnection(context: context, peer: peer)
        if context.pointee.err != 0 {
            throw connection.contextError(during: "connect to")
        }
        // Without this a read on a hung server would block the queue forever.
        if redisSetTimeout(context, tv) != REDIS_OK {
            throw connection.contextError(during: "set timeout on")
        }
        return connection
    }

    /// Writes all `commands` in one flush, then reads exactly one reply per command.
    func roundTrip(_ commands: [RedisCommand]) throws(RedisStreamsError) -> [RedisReply] {
        try self.append(commands)
        try flush()
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            replies.append(try readReply())
        }
        return replies
    }

    func append(_ command: RedisCommand) throws(RedisStreamsError) {
        try self.append([command])
    }

    /// Queues commands, already in RESP, as one preformatted buffer.
    func append(_ commands: [RedisCommand]) throws(RedisStreamsError) {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(commands.reduce(0) { $0 + $1.encodedArguments.count + 16 })
        for command in commands {
            guard command.count > 0 else {
                throw .protocolError("cannot send a command with 0 arguments")
            }
            command.encode(into: &buffer)
        }
        guard !buffer.isEmpty else { return }
        // hiredis copies the bytes into its output buffer before returning, so the borrowed
        // pointer need not outlive this call. The buffer holds complete RESP commands, which
        // is what redisAppendFormattedCommand expects (several back to back are pipelined).
        let status: Int32 = buffer.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress else { return REDIS_ERR }
            return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                redisAppendFormattedCommand(context, chars, bytes.count)
            }
        }
        if status != REDIS_OK {
            throw contextError(during: "append command for")
        }
    }

    func flush() throws(RedisStreamsError) {
        var done: Int32 = 0
        repeat {
            if redisBufferWrite(context, &done) != REDIS_OK {
                throw contextError(during: "write to")
            }
        } while done == 0
    }

    /// Reads the next reply (blocking, bounded by the read timeout) and converts it.
    func readReply() throws(RedisStreamsError) -> RedisReply {
        var raw: UnsafeMutableRawPointer? = nil
        if redisGetReply(context, &raw) != REDIS_OK {
            // On error hiredis hands out no reply object, so there is nothing to free.
            throw contextError(during: "read from")
        }
        guard let raw else {
            throw .protocolError("read from \(peer): hiredis returned no reply")
        }
        // We own the reply tree; freeReplyObject frees it with all sub-replies, after the
        // conversion has copied everything out of it.
        defer { freeReplyObject(raw) }
        return RedisReply(hiredis: raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Builds an error from `context.err`/`errstr`; call right after the failing hiredis call
    /// so that `errno` still belongs to it.
    private func contextError(during operation: String) -> RedisStreamsError {
        let code = errno
        let err = context.pointee.err
        let text = withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let message = "\(operation) \(peer): \(text.isEmpty ? "error \(err)" : text)"
        switch err {
        case REDIS_ERR_IO where code == EAGAIN || code == EWOULDBLOCK || code == ETIMEDOUT || code == EINPROGRESS:
            return .timeout(message)
        case REDIS_ERR_PROTOCOL, REDIS_ERR_OOM:
            return .protocolError(message)
        default:
            // REDIS_ERR_IO, REDIS_ERR_EOF, REDIS_ERR_OTHER (e.g. name resolution).
            return .unreachable(message)
        }
    }
}

extension timeval {
    /// Rounds to microseconds; never zero, because a zero connect timeout fails at once.
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var micros = max(0, seconds) * 1_000_000 + max(0, attoseconds) / 1_000_000_000_000
        if micros < 1_000 { micros = 1_000 }
        self.init(tv_sec: .init(micros / 1_000_000), tv_usec: .init(micros % 1_000_000))
    }
}
