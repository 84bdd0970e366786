import CHiredis
import NIOCore

/// hiredis' RESP parser (`redisReader`), fed with the bytes NIO reads from the Redis socket.
///
/// agentd does its Redis I/O on NIO event loops; hiredis does what it is best at, turning a
/// byte stream into reply trees, however the stream was cut into reads. Not thread-safe: one
/// reader belongs to one connection's pipeline, on one event loop.
///
/// After a protocol error the reader is unusable ("once an error is returned the reader
/// cannot be used any more", hiredis README): the connection must be closed.
final class HiredisReader {
    /// Owned; created by redisReaderCreate, freed only in deinit. Never handed out.
    private let reader: UnsafeMutablePointer<redisReader>

    init() throws(RedisStreamsError) {
        guard let reader = redisReaderCreate() else {
            throw .protocolError("out of memory allocating a hiredis reader")
        }
        self.reader = reader
    }

    deinit {
        // Frees the reader with its buffer and any half-built reply.
        redisReaderFree(reader)
    }

    /// Appends the readable bytes of `buffer` to the reader's input (hiredis copies them).
    func feed(_ buffer: ByteBuffer) throws(RedisStreamsError) {
        let status: Int32 = buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, bytes.count > 0 else { return REDIS_OK }
            return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        if status != REDIS_OK {
            throw readerError()
        }
    }

    /// The next complete reply, or nil when the input so far holds none.
    func next() throws(RedisStreamsError) -> RedisReply? {
        var raw: UnsafeMutableRawPointer? = nil
        if redisReaderGetReply(reader, &raw) != REDIS_OK {
            // On error hiredis hands out no reply object, so there is nothing to free.
            throw readerError()
        }
        guard let raw else { return nil }
        // We own the reply tree; freeReplyObject frees it with all sub-replies, after the
        // conversion has copied everything out of it.
        defer { freeReplyObject(raw) }
        return RedisReply(hiredis: raw.assumingMemoryBound(to: redisReply.self))
    }

    private func readerError() -> RedisStreamsError {
        let text = withUnsafeBytes(of: reader.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return .protocolError("malformed reply from Redis: \(text.isEmpty ? "error \(reader.pointee.err)" : text)")
    }
}
