import AgentCore
import NIOCore

/// Runs a `Session` on a channel: replies in request order, many requests in flight.
///
/// Requests are handed to the session as they arrive, so a pipelining client gets many store
/// round trips in flight at once; replies wait in `pending` and leave strictly in request order.
/// When `maxInFlight` replies are outstanding the handler stops reading (backpressure) until
/// some are written.
final class SessionHandler: ChannelDuplexHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Slot {
        var bytes: [UInt8]?
        var closeAfter: Bool
        var afterWrite: (() -> Void)?
    }

    private let broker: Broker
    private let maxInFlight: Int
    private var session: Session?
    /// A ring buffer: replies leave from the front without moving the rest.
    private var pending = CircularBuffer<Slot>(initialCapacity: 16)
    /// Sequence number of `pending[0]`.
    private var firstSequence = 0
    private var readWanted = false
    private var closing = false
    private var flushScheduled = false

    init(broker: Broker) {
        self.broker = broker
        self.maxInFlight = broker.configuration.maxInFlightPerConnection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let push: @Sendable ([[UInt8]]) -> Void = { frames in
            eventLoop.execute {
                let context = loopBound.value
                guard context.channel.isActive else { return }
                var buffer = context.channel.allocator.buffer(capacity: frames.reduce(0) { $0 + $1.count + 1 })
                for frame in frames {
                    buffer.writeBytes(frame)
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            }
        }
        self.session = Session(broker: self.broker, eventLoop: eventLoop, id: self.broker.nextSessionID(), push: push)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.session?.closed()
        self.session = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.closing, let session = self.session else { return }
        let frame = Self.unwrapInboundIn(data)
        let result = session.handle(frame)
        let sequence = self.firstSequence + self.pending.count
        self.pending.append(Slot(bytes: nil, closeAfter: result.closeAfter, afterWrite: result.afterWrite))
        if result.closeAfter {
            // Nothing after bye or an over-long frame is read.
            self.closing = true
        }
        switch result.reply {
        case .now(let bytes):
            self.complete(sequence, bytes, context: context)
        case .later(let register):
            register { [self] bytes in
                self.complete(sequence, bytes, context: context)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let inputClosed = (event as? ChannelEvent) == .inputClosed
        guard event is DrainEvent || inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Drain, or the client shut its sending side (`printf … | nc`): no more requests will
        // come, so finish what is in flight and close after the last reply.
        self.closing = true
        if !self.pending.isEmpty {
            let last = self.pending.index(before: self.pending.endIndex)
            self.pending[last].closeAfter = true
        } else {
            context.close(promise: nil)
        }
    }

    func read(context: ChannelHandlerContext) {
        if self.pending.count >= self.maxInFlight || self.closing {
            self.readWanted = true
        } else {
            context.read()
        }
    }

    /// Flushes once after the replies that complete in this turn of the event loop (many store
    /// answers arrive together), instead of one write system call per reply.
    private func scheduleFlush(context: ChannelHandlerContext) {
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.execute {
            let (handler, context) = loopBound.value
            handler.flushScheduled = false
            context.flush()
        }
    }

    /// Stores a finished reply and writes every reply that is now next in order.
    private func complete(_ sequence: Int, _ bytes: [UInt8], context: ChannelHandlerContext) {
        let index = sequence - self.firstSequence
        guard index >= 0, index < self.pending.count else { return }
        self.pending[self.pending.index(self.pending.startIndex, offsetBy: index)].bytes = bytes
        var wrote = false
        while let first = self.pending.first, let reply = first.bytes {
            _ = self.pending.removeFirst()
            self.firstSequence += 1
            var buffer = context.channel.allocator.buffer(capacity: reply.count + 1)
            buffer.writeBytes(reply)
            buffer.writeInteger(UInt8(ascii: "\n"))
            if first.closeAfter {
                // Flush this last reply, then close (bye, frame_too_large, drain).
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
                context.writeAndFlush(NIOAny(buffer), promise: written)
                first.afterWrite?()
                self.pending.removeAll(keepingCapacity: false)
                return
            }
            context.write(NIOAny(buffer), promise: nil)
            wrote = true
            first.afterWrite?()
        }
        if wrote {
            self.scheduleFlush(context: context)
        }
        if self.readWanted && self.pending.count < self.maxInFlight && !self.closing {
            self.readWanted = false
            context.read()
        }
    }
}
