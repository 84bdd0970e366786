import NIOCore

/// Sends one request and hands back the reply line: how the placeholder scenarios ask
/// whether the server implements an op yet.
final class ProbeAgent: BenchAgent, @unchecked Sendable {
    private let frame: ByteBuffer
    let answer: EventLoopPromise<String>

    init(agentID: String, run: RunState, frame: ByteBuffer, loop: any EventLoop) {
        self.frame = frame
        self.answer = loop.makePromise()
        super.init(agentID: agentID, run: run, subscribePrefetch: nil, loop: loop)
    }

    func begin() {
        send(frame, expecting: .probe)
        connection?.flush()
    }

    override func reply(_ kind: ReplyKind, ok: Bool, _ line: Span<UInt8>) {
        if kind == .probe { answer.succeed(Bytes.text(line, limit: 1000)) }
    }

    override func inactive(_ connection: LineConnection) {
        answer.fail(BenchError.setup("connection closed before the probe was answered"))
        super.inactive(connection)
    }

    /// Asks `op` (as `json`) and says whether the server knows it.
    static func serverKnows(_ bench: Bench, probe json: String) async throws -> (Bool, String) {
        let run = bench.makeRun(target: 1)
        let agent = ProbeAgent(agentID: "\(bench.prefix)-probe", run: run, frame: Wire.probe(json), loop: bench.loop)
        let channels = try await bench.open([agent])
        guard let channel = channels.first else { throw BenchError.setup("no connection") }
        channel.eventLoop.execute { agent.begin() }
        let reply = try await agent.answer.futureResult.get()
        await bench.close(channels)
        return (!reply.contains("\"unknown_op\""), reply)
    }
}
