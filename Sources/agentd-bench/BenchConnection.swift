import NIOCore
import NIOPosix

/// What a benchmark connection does with its lines. Every call happens on the
/// connection's event loop.
protocol ConnectionRole: AnyObject, Sendable {
    func active(_ connection: LineConnection)
    func received(_ line: Span<UInt8>, _ connection: LineConnection)
    func readComplete(_ connection: LineConnection)
    func inactive(_ connection: LineConnection)
}

/// One client connection: cuts inbound bytes into lines (no copy unless a line spans two
/// reads), hands them to its role, and flushes what the role wrote once per read burst.
final class LineConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let role: any ConnectionRole
    private var context: ChannelHandlerContext?
    private var carry: ByteBuffer?
    private var needsFlush = false

    init(role: any ConnectionRole) {
        self.role = role
    }

    var eventLoop: (any EventLoop)? { context?.eventLoop }

    func write(_ frame: ByteBuffer) {
        context?.write(wrapOutboundOut(frame), promise: nil)
        needsFlush = true
    }

    func flush() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }

    func close() {
        context?.close(promise: nil)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        role.active(self)
        flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        role.inactive(self)
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        if var pending = carry {
            carry = nil
            pending.writeBuffer(&buffer)
            buffer = pending
        }
        let consumed = deliverLines(buffer.readableBytesUInt8Span)
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes > 0 { carry = buffer }
    }

    /// Hands each complete line of `bytes` (without its `\n` or `\r\n`) to the role;
    /// returns how many bytes that consumed.
    private func deliverLines(_ bytes: Span<UInt8>) -> Int {
        var start = 0
        while let end = Bytes.newline(in: bytes, from: start) {
            var stop = end
            if stop > start, bytes[stop - 1] == UInt8(ascii: "\r") { stop -= 1 }
            if stop > start { role.received(bytes.extracting(start..<stop), self) }
            start = end + 1
        }
        return start
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        role.readComplete(self)
        flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Opens raw NIO connections to agentd.
struct Connector: Sendable {
    let group: MultiThreadedEventLoopGroup
    let host: String
    let port: Int

    func connect(_ role: any ConnectionRole) async throws -> any Channel {
        try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(LineConnection(role: role))
                }
            }
            .connect(host: host, port: port)
            .get()
    }
}
