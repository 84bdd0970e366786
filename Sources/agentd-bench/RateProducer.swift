import Histogram
import NIOCore

/// Sends at a fixed rate, each message's content carrying its send time
/// (`{"bench_ns": <monotonic ns>, "d": "xxx…"}`), and records send→reply latency.
final class RateProducer: BenchAgent, @unchecked Sendable {
    private let prefix: String
    private let padding: String
    private let rate: Int
    private let total: Int
    private var sent = 0
    private var startNanos: UInt64 = 0
    private var timer: RepeatedTask?
    private var sendTimes = CircularBuffer<UInt64>(initialCapacity: 1024)
    private(set) var histogram = Histogram<UInt64>(
        highestTrackableValue: 120_000_000_000, numberOfSignificantValueDigits: .three)

    init(agentID: String, run: RunState, to recipient: String, size: Int, rate: Int, total: Int, loop: any EventLoop) {
        self.prefix = Wire.sendPrefix(to: recipient)
        self.padding = Wire.padding(size)
        self.rate = rate
        self.total = total
        super.init(agentID: agentID, run: run, subscribePrefetch: nil, loop: loop)
    }

    /// On the connection's event loop: a timer ticks every millisecond (or faster for rates
    /// above 1000/s) and sends whatever the schedule says is due.
    func begin(on loop: any EventLoop) {
        startNanos = Bytes.nowNanos()
        let period = max(100_000, min(1_000_000, 1_000_000_000 / Int64(rate)))
        timer = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .nanoseconds(period)) { [self] _ in tick() }
    }

    private func tick() {
        let now = Bytes.nowNanos()
        let due = min(total, Int(Double(now - startNanos) * Double(rate) / 1e9) + 1)
        while sent < due {
            let at = Bytes.nowNanos()
            send(ByteBuffer(string: prefix + #"{"bench_ns":\#(at),"d":"\#(padding)"}}}"# + "\n"), expecting: .send)
            sendTimes.append(at)
            sent += 1
        }
        connection?.flush()
        if sent >= total || run.isFinished {
            timer?.cancel()
            timer = nil
        }
    }

    override func reply(_ kind: ReplyKind, ok: Bool, _ line: Span<UInt8>) {
        guard kind == .send, let at = sendTimes.popFirst() else { return }
        let now = Bytes.nowNanos()
        if ok, now > at { _ = histogram.record(now - at) }
    }

    override func inactive(_ connection: LineConnection) {
        timer?.cancel()
        timer = nil
        super.inactive(connection)
    }
}
