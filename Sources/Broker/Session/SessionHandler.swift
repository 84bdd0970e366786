import AgentCore
import NIOCore

/// Runs a `Session` on a channel: replies in request order, many requests in flight.
///
/// Requests are handed to the session as they arrive, so a pipelining client gets many store
/// round trips in flight at once; replies wait in `pending` and leave strictly in request order.
/// When `maxInFlight` replies are outstanding, or the socket's write buffer is above its
/// high-water mark (the client reads slower than it asks), the handler stops reading
/// (backpressure). A client that stops reading altogether cannot make agentd's memory grow
/// without bound: past `max_outbound_bytes` of unwritten output it is closed as a slow
/// consumer, and its unacked messages go back to their inbox.
///
/// agentd ends a connection itself on drain (SIGTERM), after `hello_timeout_ms` without a
/// `hello`, and after `idle_timeout_ms` of silence; each time it writes a last
/// `{"event": "bye", "reason": ...}` frame after the replies still owed, then closes.
final class SessionHandler: ChannelDuplexHandler, ReplyOutput {
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
    private let maxOutboundBytes: Int
    private let helloTimeout: TimeAmount
    private let idleTimeout: TimeAmount?
    private var session: Session?
    /// This handler's context, for replies that complete later (`ReplyOutput`).
    private var context: ChannelHandlerContext?
    /// A ring buffer: replies leave from the front without moving the rest.
    private var pending = CircularBuffer<Slot>(initialCapacity: 16)
    /// Sequence number of `pending[0]`.
    private var firstSequence = 0
    private var readWanted = false
    private var closing = false
    private var flushScheduled = false
    /// Replies finished in this turn of the event loop, in order, not yet handed to the
    /// channel: one buffer and one write for all of them (a pipelining client's replies come
    /// in bursts), instead of one of each per reply.
    private var output: ByteBuffer?
    private var connectedAt = NIODeadline.uptimeNanoseconds(0)
    /// When the last frame arrived; kept only when there is an idle timeout.
    private var lastInbound = NIODeadline.uptimeNanoseconds(0)
    /// The one timer of the connection: the hello deadline, then the idle deadline.
    private var watchdog: Scheduled<Void>?
    /// Why agentd is ending the connection; written as a `bye` event before it closes.
    private var byeReason: String?

    init(broker: Broker) {
        self.broker = broker
        self.maxInFlight = broker.configuration.maxInFlightPerConnection
        self.maxOutboundBytes = broker.configuration.maxOutboundBytes
        self.helloTimeout = broker.configuration.helloTimeout
        self.idleTimeout = broker.configuration.idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let push: @Sendable ([[UInt8]]) -> Void = { messages in
            eventLoop.execute {
                let (handler, context) = loopBound.value
                guard context.channel.isActive else { return }
                // Each message as a `message` event, written around it straight into the buffer
                // (`Reply.messageEvent` would copy it into an array first).
                let prefix = Reply.messageEventPrefix
                var buffer = context.channel.allocator.buffer(capacity: messages.reduce(0) { $0 + $1.count + prefix.count + 2 })
                for message in messages {
                    buffer.writeBytes(prefix)
                    buffer.writeBytes(message)
                    buffer.writeBytes(Reply.messageEventSuffix)
                }
                let size = buffer.readableBytes
                context.writeAndFlush(NIOAny(buffer), promise: nil)
                handler.closeIfSlowConsumer(context: context, justWritten: size)
            }
        }
        // An accepted connection knows its peer already; failed hellos are counted per IP.
        let remoteAddress = context.channel.remoteAddress?.ipAddress ?? "unknown"
        self.session = Session(
            broker: self.broker,
            eventLoop: eventLoop,
            id: self.broker.nextSessionID(),
            remoteAddress: remoteAddress,
            push: push
        )
        self.session?.output = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        self.connectedAt = context.eventLoop.now
        self.lastInbound = self.connectedAt
        self.checkDeadlines(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.output = nil
        self.watchdog?.cancel()
        self.watchdog = nil
        self.session?.closed()
        self.session = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.closing, let session = self.session else { return }
        if self.idleTimeout != nil {
            self.lastInbound = context.eventLoop.now
        }
        let frame = Self.unwrapInboundIn(data)
        // The slot is in place before the session runs: a reply that comes "later" may be
        // complete before `handle` returns (a future already fulfilled).
        let sequence = self.firstSequence + self.pending.count
        self.pending.append(Slot(bytes: nil, closeAfter: false, afterWrite: nil))
        let result = session.handle(frame, sequence: sequence)
        guard case .now(let bytes) = result.reply else { return }
        let index = sequence - self.firstSequence
        if result.closeAfter || result.afterWrite != nil, index >= 0, index < self.pending.count {
            let slot = self.pending.index(self.pending.startIndex, offsetBy: index)
            self.pending[slot].closeAfter = result.closeAfter
            self.pending[slot].afterWrite = result.afterWrite
        }
        if result.closeAfter {
            // Nothing after bye or an over-long frame is read.
            self.closing = true
        }
        self.complete(sequence, bytes, context: context)
    }

    /// A reply that came later (`ReplyOutput`).
    func complete(_ sequence: Int, _ bytes: [UInt8]) {
        guard let context = self.context else { return }
        self.complete(sequence, bytes, context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.writeOutput(context: context)
        context.flush()
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let identity = event as? PeerIdentity {
            self.session?.certificateIdentity = identity
            return
        }
        let inputClosed = (event as? ChannelEvent) == .inputClosed
        guard event is DrainEvent || inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        // Drain, or the client shut its sending side (`printf … | nc`): no more requests will
        // come, so finish what is in flight and close after the last reply.
        self.end(byeReason: event is DrainEvent ? "shutdown" : nil, context: context)
    }

    func read(context: ChannelHandlerContext) {
        if self.pending.count >= self.maxInFlight || self.closing || !context.channel.isWritable {
            self.readWanted = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            self.resumeReadingIfWanted(context: context)
        }
        context.fireChannelWritabilityChanged()
    }

    private func resumeReadingIfWanted(context: ChannelHandlerContext) {
        if self.readWanted && self.pending.count < self.maxInFlight && !self.closing && context.channel.isWritable {
            self.readWanted = false
            context.read()
        }
    }

    /// Stops reading, lets the replies still owed go out, then writes the `bye` event (when
    /// agentd is the one ending the connection) and closes.
    private func end(byeReason: String?, context: ChannelHandlerContext) {
        guard !self.closing else { return }
        self.closing = true
        self.byeReason = byeReason
        if !self.pending.isEmpty {
            let last = self.pending.index(before: self.pending.endIndex)
            self.pending[last].closeAfter = true
        } else {
            self.writeOutput(context: context)
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            let written = context.eventLoop.makePromise(of: Void.self)
            // Close once the bye has gone out, not before.
            written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
            if let bye = self.byeFrame(context: context) {
                context.writeAndFlush(NIOAny(bye), promise: written)
            } else {
                context.flush()
                written.succeed()
            }
        }
    }

    /// The `bye` event, when agentd is the one ending the connection.
    private func byeFrame(context: ChannelHandlerContext) -> ByteBuffer? {
        guard let reason = self.byeReason else { return nil }
        var buffer = context.channel.allocator.buffer(capacity: 48)
        buffer.writeString("{\"event\":\"bye\",\"reason\":\"\(reason)\"}\n")
        return buffer
    }

    /// A client that still had more than `max_outbound_bytes` of earlier output unread when
    /// `justWritten` more was added is not coming back for it: close, so that its messages go
    /// back to their inbox instead of piling up here. (Output written just now does not
    /// count: one large fetch reply does not make a reader slow.)
    private func closeIfSlowConsumer(context: ChannelHandlerContext, justWritten: Int) {
        guard !context.channel.isWritable,
              let buffered = try? context.channel.syncOptions?.getOption(.bufferedWritableBytes),
              buffered - justWritten > self.maxOutboundBytes else { return }
        self.broker.logger.warning("closing a slow consumer", metadata: [
            "agentd.agent_id": "\(self.session?.link?.agentID ?? "-")",
            "agentd.buffered_bytes": "\(buffered)",
        ])
        self.closing = true
        context.close(promise: nil)
    }

    // MARK: Hello and idle deadlines

    /// Ends the connection if its hello or idle deadline has passed, else sleeps until the
    /// nearer one. Both are computed afresh each time, so a frame or a hello needs no re-arming.
    private func checkDeadlines(context: ChannelHandlerContext) {
        guard context.channel.isActive, !self.closing else { return }
        let now = context.eventLoop.now
        let helloDeadline = self.session?.link == nil ? self.connectedAt + self.helloTimeout : nil
        let idleDeadline = self.idleTimeout.map { self.lastInbound + $0 }
        if let helloDeadline, helloDeadline <= now {
            self.end(byeReason: "hello_timeout", context: context)
        } else if let idleDeadline, idleDeadline <= now {
            self.end(byeReason: "idle", context: context)
        } else if let next = [helloDeadline, idleDeadline].compactMap({ $0 }).min() {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            self.watchdog = context.eventLoop.scheduleTask(deadline: next) {
                let (handler, context) = loopBound.value
                handler.watchdog = nil
                handler.checkDeadlines(context: context)
            }
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
            handler.writeOutput(context: context)
            context.flush()
        }
    }

    /// Hands the replies gathered in `output` to the channel (not flushed), and closes the
    /// connection when that leaves too much unread output (see `closeIfSlowConsumer`).
    private func writeOutput(context: ChannelHandlerContext) {
        guard let output = self.output else { return }
        self.output = nil
        let size = output.readableBytes
        context.write(NIOAny(output), promise: nil)
        self.closeIfSlowConsumer(context: context, justWritten: size)
    }

    /// Stores a finished reply and writes every reply that is now next in order (into
    /// `output`, handed to the channel at the end of this turn of the event loop).
    private func complete(_ sequence: Int, _ bytes: [UInt8], context: ChannelHandlerContext) {
        let index = sequence - self.firstSequence
        guard index >= 0, index < self.pending.count else { return }
        self.pending[self.pending.index(self.pending.startIndex, offsetBy: index)].bytes = bytes
        while let first = self.pending.first, let reply = first.bytes {
            _ = self.pending.removeFirst()
            self.firstSequence += 1
            if first.closeAfter {
                // Flush this last reply (and agentd's bye event), then close (bye,
                // frame_too_large, drain, timeouts).
                self.writeOutput(context: context)
                var buffer = context.channel.allocator.buffer(capacity: reply.count + 1)
                buffer.writeBytes(reply)
                buffer.writeInteger(UInt8(ascii: "\n"))
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
                if let bye = self.byeFrame(context: context) {
                    context.write(NIOAny(buffer), promise: nil)
                    context.writeAndFlush(NIOAny(bye), promise: written)
                } else {
                    context.writeAndFlush(NIOAny(buffer), promise: written)
                }
                first.afterWrite?()
                self.pending.removeAll(keepingCapacity: false)
                return
            }
            if self.output == nil {
                // Room for a burst of similar replies.
                self.output = context.channel.allocator.buffer(capacity: max(256, (reply.count + 1) * 4))
            }
            self.output?.writeBytes(reply)
            self.output?.writeInteger(UInt8(ascii: "\n"))
            // The flush that writes this reply is queued before what runs after it (a
            // subscription starting to push): a push is written by a task queued later, so
            // the reply goes out first.
            self.scheduleFlush(context: context)
            first.afterWrite?()
        }
        self.resumeReadingIfWanted(context: context)
    }
}
