import Histogram
import NIOCore

/// A subscribed agent: collects the message ids of each read burst of pushed events into
/// one `ack`, and counts what the server says it acked. With `recordLatency` it also puts
/// each message's send→push time (its content's `bench_ns`) into a histogram.
final class PushConsumer: BenchAgent, @unchecked Sendable {
    private var batch = AckBatch()
    private let recordLatency: Bool
    private let warmup: Int
    private var seen = 0
    private(set) var histogram = Histogram<UInt64>(
        highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)

    init(agentID: String, run: RunState, prefetch: Int, recordLatency: Bool = false, warmup: Int = 0,
         loop: any EventLoop) {
        self.recordLatency = recordLatency
        self.warmup = warmup
        super.init(agentID: agentID, run: run, subscribePrefetch: prefetch, loop: loop)
    }

    override func event(_ line: Span<UInt8>) {
        let arrived = recordLatency ? Bytes.nowNanos() : 0
        guard let id = Bytes.stringValue(after: .messageID, in: line) else {
            run.recordError("event without message_id: \(Bytes.text(line))")
            return
        }
        batch.add(line, id)
        if recordLatency, let sent = Bytes.intValue(after: .benchNanos, in: line) {
            seen += 1
            if seen > warmup, arrived > sent { _ = histogram.record(arrived - sent) }
        }
    }

    override func readComplete(_ connection: LineConnection) {
        if let frame = batch.take() { send(frame, expecting: .ack) }
    }

    override func reply(_ kind: ReplyKind, ok: Bool, _ line: Span<UInt8>) {
        guard kind == .ack, ok, let acked = Bytes.intValue(after: .acked, in: line) else { return }
        run.add(Int(acked))
    }
}
