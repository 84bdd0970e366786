import NIOCore
import NIOPosix

/// What a benchmark connection does with its lines. Every call happens on the
/// connection's event loop.
protocol ConnectionRole: AnyObject, Sendable {
    func active(_ connection: LineConnection)
    func received(_ line: UnsafeRawBufferPointer, _ connection: LineConnection)
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
        let consumed = buffer.withUnsafeReadableBytes { bytes -> Int in
            var start = 0
            while let end = Bytes.newline(in: bytes, from: start) {
                var line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                if line.last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
                if !line.isEmpty { role.received(line, self) }
                start = end + 1
            }
            return start
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes > 0 { carry = buffer }
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
