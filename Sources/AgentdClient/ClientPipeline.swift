import AgentCore
import NIOCore

/// Cuts agentd's output into lines (one JSON frame each).
struct ClientLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")),
              let line = buffer.readSlice(length: newline - buffer.readerIndex + 1) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(line.getSlice(at: line.readerIndex, length: line.readableBytes - 1) ?? line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without its newline is not a complete frame; drop it.
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}

/// Parses each frame and hands it to the client: replies by id, events to the event stream.
final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let state: ClientState

    init(state: ClientState) {
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        do {
            guard case .object(let frame) = try JSONParser.parse(Array(line.readableBytesView)) else {
                self.state.fail(.malformedFrame("not a JSON object"))
                context.close(promise: nil)
                return
            }
            self.state.received(frame)
        } catch {
            self.state.fail(.malformedFrame("\(error)"))
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state.fail(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
