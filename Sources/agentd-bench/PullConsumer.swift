import NIOCore

/// Pulls with `fetch {limit, wait_ms}`; each reply's ids go back in one `ack`, pipelined
/// with the next fetch. Counts what the server says it acked.
final class PullConsumer: BenchAgent, @unchecked Sendable {
    private let fetchFrame: ByteBuffer
    private var batch = AckBatch()

    init(agentID: String, run: RunState, limit: Int, waitMS: Int, loop: any EventLoop) {
        self.fetchFrame = Wire.fetch(limit: limit, waitMS: waitMS)
        super.init(agentID: agentID, run: run, subscribePrefetch: nil, loop: loop)
    }

    func begin() {
        send(fetchFrame, expecting: .fetch)
        connection?.flush()
    }

    override func reply(_ kind: ReplyKind, ok: Bool, _ line: Span<UInt8>) {
        switch kind {
        case .fetch:
            var from = 0
            while let id = Bytes.stringValue(after: .messageID, in: line, from: from) {
                batch.add(line, id)
                from = id.upperBound
            }
            if let frame = batch.take() { send(frame, expecting: .ack) }
            if !run.isFinished { send(fetchFrame, expecting: .fetch) }
        case .ack:
            if ok, let acked = Bytes.intValue(after: .acked, in: line) { run.add(Int(acked)) }
        default:
            break
        }
    }
}
