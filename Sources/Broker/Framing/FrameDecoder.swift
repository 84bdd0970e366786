import NIOCore

/// Cuts newline-delimited frames out of the byte stream.
///
/// ```
///   {"op":"ping"}\r\n   →  .line({"op":"ping"})
///   \n  ·  " \t\n"      →  (nothing: blank lines are dropped)
///   <more than max bytes without \n>  →  .tooLarge, then nothing more
/// ```
/// An over-long line becomes a value rather than an error so the session can still reply
/// before it closes the connection (the contract's `frame_too_large`).
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = InboundFrame

    /// Longest accepted line, not counting its `\n` or a `\r` before it.
    public let maxFrameBytes: Int
    private var failed = false
    /// Where to resume the search for `\n` in the buffered bytes (avoids rescanning).
    private var scanned = 0

    /// Creates a decoder with the given limit (config `max_frame_bytes`).
    public init(maxFrameBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if self.failed {
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return .needMoreData
        }
        let view = buffer.readableBytesView
        let searchStart = view.startIndex + self.scanned
        guard let newline = view[searchStart...].firstIndex(of: UInt8(ascii: "\n")) else {
            self.scanned = view.count
            // A `\r` may still come before the `\n`, hence the +1.
            if view.count > self.maxFrameBytes + 1 {
                return self.tooLarge(context: context, buffer: &buffer)
            }
            return .needMoreData
        }
        self.scanned = 0
        var length = newline - view.startIndex
        let lineEnd = length + 1
        if length > 0 && view[newline - 1] == UInt8(ascii: "\r") {
            length -= 1
        }
        guard length <= self.maxFrameBytes else {
            return self.tooLarge(context: context, buffer: &buffer)
        }
        if Self.isBlank(view[view.startIndex..<(view.startIndex + length)]) {
            buffer.moveReaderIndex(forwardBy: lineEnd)
            return .continue
        }
        let bytes = buffer.readBytes(length: length) ?? []
        buffer.moveReaderIndex(forwardBy: lineEnd - length)
        context.fireChannelRead(Self.wrapInboundOut(.line(bytes)))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try self.decode(context: context, buffer: &buffer) == .continue {}
        // A last line without its newline still counts as a frame.
        if !self.failed && buffer.readableBytes > 0 {
            var bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            guard bytes.count <= self.maxFrameBytes else {
                return self.tooLarge(context: context, buffer: &buffer)
            }
            if !Self.isBlank(bytes) {
                context.fireChannelRead(Self.wrapInboundOut(.line(bytes)))
            }
        }
        self.scanned = 0
        return .needMoreData
    }

    /// Nothing but spaces, tabs and carriage returns: skipped, whether or not a `\n` ends it.
    private static func isBlank(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }

    private mutating func tooLarge(context: ChannelHandlerContext, buffer: inout ByteBuffer) -> DecodingState {
        self.failed = true
        self.scanned = 0
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        context.fireChannelRead(Self.wrapInboundOut(.tooLarge))
        return .needMoreData
    }
}
