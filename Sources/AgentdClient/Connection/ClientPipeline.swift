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

/// What a connection's frame handler tells the connection's owner, on the channel's loop.
struct ConnectionObserver: Sendable {
    /// An event frame (`message`, `bye`).
    let event: @Sendable (JSONObject) -> Void
    /// An error frame answering no request: agentd refused the connection (`overloaded`).
    let refused: @Sendable (String) -> Void
    /// The channel closed; called before the requests still waiting fail.
    let lost: @Sendable () -> Void
}

/// Parses each frame and hands it on: replies by id to the reply table, the rest to the
/// observer.
final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let replies: ReplyTable
    private let observer: ConnectionObserver

    init(replies: ReplyTable, observer: ConnectionObserver) {
        self.replies = replies
        self.observer = observer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        let frame: JSONObject
        do {
            guard case .object(let object) = try JSONParser.parse(Array(line.readableBytesView)) else {
                self.replies.fail(.malformedFrame("not a JSON object"))
                context.close(promise: nil)
                return
            }
            frame = object
        } catch {
            self.replies.fail(.malformedFrame("\(error)"))
            context.close(promise: nil)
            return
        }
        if frame["event"] != nil {
            self.observer.event(frame)
        } else if let id = frame["id"]?.intValue {
            self.replies.received(frame, id: id)
        } else if frame["ok"] == .bool(false) {
            // `{"id": null, "ok": false, "error": {"code": "overloaded", …}}`, then agentd closes.
            let error = frame["error"]?.objectValue
            let code = error?["code"]?.stringValue ?? "error"
            self.observer.refused("\(code): \(error?["message"]?.stringValue ?? "no message")")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.observer.lost()
        // Whatever the owner did not fail with a better error fails as closed.
        self.replies.fail(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
