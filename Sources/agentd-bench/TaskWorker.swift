import NIOCore

/// A registered, subscribed worker: answers each `task_request` with a `task_response`
/// (`completed`) to its supervisor, and acks each read burst of deliveries in one `ack`.
final class TaskWorker: BenchAgent, @unchecked Sendable {
    private let supervisor: String
    private var batch = AckBatch()

    init(agentID: String, run: RunState, supervisor: String, capability: String, prefetch: Int, loop: any EventLoop) {
        self.supervisor = supervisor
        super.init(agentID: agentID, run: run, subscribePrefetch: prefetch, loop: loop)
        registration = Wire.register(role: "worker", capability: capability, maxTasks: 100_000)
    }

    override func event(_ line: Span<UInt8>) {
        guard let id = Bytes.stringValue(after: .messageID, in: line) else { return }
        batch.add(line, id)
        if let task = Bytes.stringValue(after: .taskID, in: line) {
            send(Wire.taskCompleted(supervisor: supervisor, taskID: line.extracting(task)),
                 expecting: .send)
        }
    }

    override func readComplete(_ connection: LineConnection) {
        if let frame = batch.take() { send(frame, expecting: .ack) }
    }
}
