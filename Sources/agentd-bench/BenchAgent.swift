import NIOCore

enum ReplyKind {
    case hello, register, subscribe, send, ack, fetch, probe
}

/// A connection speaking as one agent: says hello (then registers and subscribes when
/// asked), then
/// matches each reply to the request it answers (replies come in request order).
///
/// `@unchecked Sendable`: created before its connection exists, then touched only on
/// that connection's event loop.
class BenchAgent: ConnectionRole, @unchecked Sendable {
    let agentID: String
    let run: RunState
    let ready: EventLoopPromise<Void>
    private let prefetch: Int?
    private(set) var connection: LineConnection?
    private var expected = CircularBuffer<ReplyKind>(initialCapacity: 256)
    private var setupPending = 0
    private var readyDone = false
    /// A `register` frame sent after hello (set before connecting), for the registry scenarios.
    var registration: ByteBuffer?
    /// Set (on the connection's loop) before this side closes the connection on purpose,
    /// so the close is not counted as an error.
    var closingByClient = false

    init(agentID: String, run: RunState, subscribePrefetch: Int?, loop: any EventLoop) {
        self.agentID = agentID
        self.run = run
        self.prefetch = subscribePrefetch
        self.ready = loop.makePromise()
    }

    func send(_ frame: ByteBuffer, expecting kind: ReplyKind) {
        connection?.write(frame)
        expected.append(kind)
    }

    var outstanding: Int { expected.count }

    func active(_ connection: LineConnection) {
        self.connection = connection
        send(Wire.hello(agentID), expecting: .hello)
        setupPending = 1
        if let registration {
            send(registration, expecting: .register)
            setupPending += 1
        }
        if let prefetch {
            send(Wire.subscribe(prefetch: prefetch), expecting: .subscribe)
            setupPending += 1
        }
    }

    func received(_ line: Span<UInt8>, _ connection: LineConnection) {
        if Bytes.isEvent(line) {
            event(line)
            return
        }
        guard let kind = expected.popFirst() else {
            run.recordError("unexpected reply: \(Bytes.text(line))")
            return
        }
        let ok = Bytes.isOK(line)
        // A refused probe is an answer (the op is unknown), not a failure.
        if !ok, kind != .probe { run.recordError("\(kind) failed: \(Bytes.text(line))") }
        switch kind {
        case .hello, .register, .subscribe:
            setupPending -= 1
            if !ok { completeReady(ok: false, "\(agentID): \(kind) refused") }
            else if setupPending == 0 { completeReady(ok: true, "") }
        default:
            reply(kind, ok: ok, line)
        }
    }

    func inactive(_ connection: LineConnection) {
        self.connection = nil
        completeReady(ok: false, "\(agentID): connection closed during setup")
        if !run.isFinished, !closingByClient { run.recordError("\(agentID): connection closed by the server") }
    }

    private func completeReady(ok: Bool, _ why: String) {
        guard !readyDone else { return }
        readyDone = true
        if ok { ready.succeed(()) } else { ready.fail(BenchError.setup(why)) }
    }

    // Overridden by the scenarios' roles.
    func event(_ line: Span<UInt8>) {}
    func reply(_ kind: ReplyKind, ok: Bool, _ line: Span<UInt8>) {}
    func readComplete(_ connection: LineConnection) {}
}
