import CoreMetrics
import NIOCore

/// Matches Redis replies to requests: Redis answers in the order commands arrive, so the
/// requests written are a FIFO and each reply belongs to its head.
///
/// Also the connection's watchdog: when the oldest request has waited longer than `timeout`
/// (a stopped or wedged server keeps the socket open but answers nothing), everything in
/// flight fails with `.timeout` and the connection is closed. Once the connection has failed,
/// every later request fails at once with the same error; the owner connects a new one.
final class RedisPipelineHandler: ChannelDuplexHandler {
    typealias InboundIn = RedisReply
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct InFlight {
        var request: RedisRequest
        /// Set for a request rejected before writing; it still completes in its turn.
        var rejection: RedisStreamsError?
        let sentAt: NIODeadline

        /// Whether it has everything it waits for, given the replies read for it so far.
        func isComplete(replies: Int) -> Bool {
            self.rejection != nil || replies == self.request.commands.count
        }
    }

    private let timeout: TimeAmount
    private let peer: String
    private var inFlight = CircularBuffer<InFlight>(initialCapacity: 64)
    /// The replies read for the head of `inFlight` (only the head gets replies). Kept here,
    /// not in the entry: appending through the ring buffer's subscript allocated per reply.
    private var headReplies: [RedisReply] = []
    /// Commands written since the last flush, encoded back to back: one buffer and one
    /// channel write per flush instead of one per request.
    private var outbound: ByteBuffer?
    private var watchdog: Scheduled<Void>?
    private var failure: RedisStreamsError?
    /// Records each answered request's round trip (`agentd_redis_round_trip_seconds`).
    private let roundTrip: CoreMetrics.Timer?

    init(timeout: TimeAmount, peer: String, roundTrip: CoreMetrics.Timer? = nil) {
        self.timeout = timeout
        self.peer = peer
        self.roundTrip = roundTrip
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = self.unwrapOutboundIn(data)
        if let failure = self.failure {
            promise?.fail(failure)
            request.completion(.failure(failure))
            return
        }
        var entry = InFlight(request: request, rejection: nil, sentAt: context.eventLoop.now)
        if request.commands.contains(where: { $0.count == 0 }) {
            // Rejected up front so that one malformed command cannot break the stream it would share.
            entry.rejection = .protocolError("cannot send a command without arguments")
            promise?.succeed()
        } else if !request.commands.isEmpty {
            // Into the buffer this turn of the event loop is filling (taken out, so that it is
            // not shared while written to); `flush` hands it to the channel.
            var buffer = self.outbound ?? context.channel.allocator.buffer(
                capacity: max(4_096, request.commands.reduce(0) { $0 + $1.encodedArguments.count + 16 }))
            self.outbound = nil
            for command in request.commands {
                command.encode(into: &buffer)
            }
            if let promise {
                // Whoever waits for the write to finish is not kept waiting for a flush.
                context.write(self.wrapOutboundOut(buffer), promise: promise)
            } else {
                self.outbound = buffer
            }
        } else {
            promise?.succeed()
        }
        let wasIdle = self.inFlight.isEmpty
        self.inFlight.append(entry)
        if wasIdle && entry.isComplete(replies: 0) {
            // Nothing ahead of it, and it waits for no reply: complete it once this write is done.
            context.eventLoop.assumeIsolated().execute { self.completeReadyHeads() }
        }
        self.armWatchdog(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let reply = self.unwrapInboundIn(data)
        guard !self.inFlight.isEmpty, self.inFlight[self.inFlight.startIndex].rejection == nil else {
            self.fail(.protocolError("\(self.peer) sent a reply nobody asked for"), context: context)
            return
        }
        if self.headReplies.isEmpty {
            self.headReplies.reserveCapacity(self.inFlight[self.inFlight.startIndex].request.commands.count)
        }
        self.headReplies.append(reply)
        self.completeReadyHeads()
    }

    func flush(context: ChannelHandlerContext) {
        if let outbound = self.outbound {
            self.outbound = nil
            context.write(self.wrapOutboundOut(outbound), promise: nil)
        }
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.fail(Self.connectionError(error, peer: self.peer), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.fail(.unreachable("connection to \(self.peer) closed"), context: context)
        context.fireChannelInactive()
    }

    /// Completes requests from the head while they have everything they wait for.
    private func completeReadyHeads() {
        while self.inFlight.first?.isComplete(replies: self.headReplies.count) == true {
            let head = self.inFlight.removeFirst()
            if let rejection = head.rejection {
                head.request.completion(.failure(rejection))
            } else {
                if let roundTrip = self.roundTrip, !head.request.commands.isEmpty {
                    roundTrip.recordNanoseconds((NIODeadline.now() - head.sentAt).nanoseconds)
                }
                // Moved out, not copied: the replies are not retained twice.
                let replies = self.headReplies
                self.headReplies = []
                head.request.completion(.success(replies))
            }
        }
    }

    /// Fails everything in flight and every later request, and closes the connection.
    private func fail(_ error: RedisStreamsError, context: ChannelHandlerContext) {
        if self.failure == nil {
            self.failure = error
        }
        self.watchdog?.cancel()
        self.watchdog = nil
        let failed = self.inFlight
        self.inFlight.removeAll()
        self.headReplies = []
        for entry in failed {
            entry.request.completion(.failure(entry.rejection ?? error))
        }
        context.close(promise: nil)
    }

    private func armWatchdog(context: ChannelHandlerContext) {
        guard self.watchdog == nil, let head = self.inFlight.first else { return }
        self.watchdog = context.eventLoop.assumeIsolated().scheduleTask(deadline: head.sentAt + self.timeout) {
            self.watchdog = nil
            self.checkOldest(context: context)
        }
    }

    private func checkOldest(context: ChannelHandlerContext) {
        guard let head = self.inFlight.first else { return }
        if head.sentAt + self.timeout <= context.eventLoop.now {
            let milliseconds = self.timeout.nanoseconds / 1_000_000
            self.fail(.timeout("no reply from \(self.peer) within \(milliseconds) ms"), context: context)
        } else {
            self.armWatchdog(context: context)
        }
    }

    /// Names a transport error in the client's terms.
    static func connectionError(_ error: any Error, peer: String) -> RedisStreamsError {
        if let error = error as? RedisStreamsError {
            return error
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .timeout("connect to \(peer) timed out")
        }
        return .unreachable("\(peer): \(error)")
    }
}

extension RedisCommand {
    /// Writes the whole command in RESP (`*<count>\r\n` then the arguments) to `buffer`.
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeString(String(self.count))
        buffer.writeInteger(UInt8(ascii: "\r"))
        buffer.writeInteger(UInt8(ascii: "\n"))
        buffer.writeBytes(self.encodedArguments)
    }
}
