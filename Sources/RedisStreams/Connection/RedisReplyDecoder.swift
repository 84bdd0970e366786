import NIOCore

/// Bytes from Redis in, one ``RedisReply`` per complete reply out (hiredis does the parsing).
///
/// A malformed stream is fired as an error: the pipeline handler fails everything in flight
/// and closes the connection, since nothing after the bad bytes can be trusted.
final class RedisReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = RedisReply

    private let reader: HiredisReader
    private var broken = false

    init() throws(RedisStreamsError) {
        self.reader = try HiredisReader()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.broken else { return }
        do throws(RedisStreamsError) {
            try self.reader.feed(self.unwrapInboundIn(data))
            while let reply = try self.reader.next() {
                context.fireChannelRead(self.wrapInboundOut(reply))
            }
        } catch {
            self.broken = true
            context.fireErrorCaught(error)
        }
    }
}
