import AgentCore
import AgentdAudit
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// Keeps every event it is given.
private final class RecordingSink: AuditSink {
    let events = NIOLockedValueBox<[AuditEvent]>([])
    var isEnabled: Bool { true }
    func record(_ event: AuditEvent) { self.events.withLockedValue { $0.append(event) } }
    var counters: AuditCounters { AuditCounters() }

    /// `event` plus its fields, for the message audit (delivered frames parsed like the writer does).
    var messageRecords: [(String, JSONObject)] {
        self.events.withLockedValue { $0 }.filter { $0.category == .messageAudit }.flatMap { event -> [(String, JSONObject)] in
            switch event.payload {
            case .fields(let fields):
                return [(event.name, fields)]
            case .deliveredFrames(let frames, let mode):
                return frames.map { (event.name, AuditLineEncoderProbe.fields($0, mode: mode)) }
            }
        }
    }
}

/// The writer's frame parsing is internal to AgentdAudit; the test reads the few fields itself.
private enum AuditLineEncoderProbe {
    static func fields(_ frame: [UInt8], mode: String) -> JSONObject {
        guard let message = (try? JSONParser.parse(frame))?.objectValue else { return [:] }
        return [
            "message_id": message["message_id"] ?? .null,
            "attempt": message["delivery"]?["attempt"] ?? .null,
            "mode": .string(mode),
        ]
    }
}

/// The broker's message hooks, driven through real sessions on one `EmbeddedEventLoop` over a
/// `MemoryStore`: every store answer happens inline.
@Suite struct AuditHooksTests {
    @Test func sendFetchNackAckAreRecordedInOrder() throws {
        let loop = EmbeddedEventLoop()
        defer { try? loop.syncShutdownGracefully() }
        let configuration = BrokerConfiguration()
        let sink = RecordingSink()
        let broker = Broker(
            configuration: configuration,
            store: MemoryStore(),
            loop: loop,
            logger: .init(label: "agentd.test"),
            audit: sink
        )
        func connect(_ agent: String) throws -> EmbeddedChannel {
            let channel = EmbeddedChannel(handler: nil, loop: loop)
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: 65_536)))
            try channel.pipeline.syncOperations.addHandler(SessionHandler(broker: broker))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7420)).wait()
            _ = try exchange(channel, #"{"op":"hello","agent_id":"\#(agent)"}"#)
            return channel
        }
        func exchange(_ channel: EmbeddedChannel, _ line: String) throws -> String {
            try channel.writeInbound(ByteBuffer(string: line + "\n"))
            loop.run()
            var text = ""
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                text += buffer.readString(length: buffer.readableBytes) ?? ""
            }
            return text
        }
        let alice = try connect("alice")
        let bob = try connect("bob")
        let sent = try exchange(alice, #"{"op":"send","id":1,"message":{"message_id":"m-1","to_agent":"bob","message_type":"status_update","priority":"high","content":{}}}"#)
        #expect(sent.contains("\"ok\":true"), "\(sent)")
        _ = try exchange(bob, #"{"op":"fetch","id":2,"limit":1}"#)
        _ = try exchange(bob, #"{"op":"nack","id":3,"message_ids":["m-1"]}"#)
        _ = try exchange(bob, #"{"op":"fetch","id":4,"limit":1}"#)
        let acked = try exchange(bob, #"{"op":"ack","id":5,"message_ids":["m-1","m-unknown"]}"#)
        #expect(acked.contains("\"acked\":1"), "\(acked)")

        let records = sink.messageRecords
        #expect(records.map(\.0) == ["sent", "delivered", "nacked", "delivered", "acked"])
        #expect(records[0].1 == ["message_id": "m-1", "from_agent": "alice", "to_agent": "bob", "message_type": "status_update", "priority": "high"])
        #expect(records[1].1 == ["message_id": "m-1", "attempt": 1, "mode": "fetch"])
        #expect(records[2].1 == ["message_id": "m-1", "to_agent": "bob", "attempt": 1])
        #expect(records[3].1["attempt"] == 2)
        #expect(records[4].1 == ["message_id": "m-1", "to_agent": "bob", "attempt": 2], "only the message that was in flight")
        _ = try? alice.finish(acceptAlreadyClosed: true)
        _ = try? bob.finish(acceptAlreadyClosed: true)
    }
}
