import NIOCore

/// The supervisor of the `assign` scenario: keeps up to `depth` `assign_task`s
/// unanswered, receives the workers' `task_response`s and counts each acked one as a
/// finished round trip.
final class TaskSupervisor: BenchAgent, @unchecked Sendable {
    private let frame: ByteBuffer
    private let depth: Int
    private var remaining: Int
    private var unanswered = 0
    private var batch = AckBatch()

    init(agentID: String, run: RunState, capability: String, tasks: Int, depth: Int, prefetch: Int, loop: any EventLoop) {
        self.frame = Wire.assignTask(capability: capability)
        self.depth = depth
        self.remaining = tasks
        super.init(agentID: agentID, run: run, subscribePrefetch: prefetch, loop: loop)
        registration = Wire.register(role: "supervisor", capability: "\(agentID)")
    }

    func begin() {
        fill()
        connection?.flush()
    }

    private func fill() {
        while unanswered < depth, remaining > 0 {
            send(frame, expecting: .send)
            unanswered += 1
            remaining -= 1
        }
    }

    override func event(_ line: Span<UInt8>) {
        guard let id = Bytes.stringValue(after: .messageID, in: line) else { return }
        batch.add(line, id)
    }

    override func readComplete(_ connection: LineConnection) {
        if let frame = batch.take() { send(frame, expecting: .ack) }
    }

    override func reply(_ kind: ReplyKind, ok: Bool, _ line: Span<UInt8>) {
        switch kind {
        case .send:
            unanswered -= 1
            if !run.isFinished { fill() }
        case .ack:
            if ok, let acked = Bytes.intValue(after: .acked, in: line) { run.add(Int(acked)) }
        default:
            break
        }
    }
}
