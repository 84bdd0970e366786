import NIOCore

/// Keeps up to `depth` sends unanswered, cycling through pre-rendered frames (one per
/// recipient). Counts acknowledged sends into the run when `countsReplies` (the `send`
/// scenario); otherwise the consumers count.
final class Producer: BenchAgent, @unchecked Sendable {
    private let frames: [ByteBuffer]
    private var nextFrame: Int
    private var remaining: Int
    private let depth: Int
    private var inFlight = 0
    private let countsReplies: Bool

    init(agentID: String, run: RunState, frames: [ByteBuffer], firstFrame: Int, quota: Int, depth: Int,
         countsReplies: Bool, loop: any EventLoop) {
        self.frames = frames
        self.nextFrame = frames.isEmpty ? 0 : firstFrame % frames.count
        self.remaining = frames.isEmpty ? 0 : quota
        self.depth = depth
        self.countsReplies = countsReplies
        super.init(agentID: agentID, run: run, subscribePrefetch: nil, loop: loop)
    }

    /// Called on the connection's event loop once every connection is ready.
    func begin() {
        fill()
        connection?.flush()
    }

    private func fill() {
        while inFlight < depth, remaining > 0 {
            send(frames[nextFrame], expecting: .send)
            nextFrame += 1
            if nextFrame == frames.count { nextFrame = 0 }
            inFlight += 1
            remaining -= 1
        }
    }

    override func reply(_ kind: ReplyKind, ok: Bool, _ line: Span<UInt8>) {
        guard kind == .send else { return }
        inFlight -= 1
        // A refused send still counts toward the end of a `send` run; it shows in `errors`.
        if countsReplies { run.add(1) }
        if !run.isFinished { fill() }
    }
}
