import AgentCore
import AgentdConfig
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// A broker over a `MemoryStore` and connections to it, all on one `EmbeddedEventLoop`:
/// every store answer and reply happens inline, so the tests need no waiting.
/// Shared with the other session test files.
final class Harness {
    let loop = EmbeddedEventLoop()
    let broker: Broker
    private var channels: [EmbeddedChannel] = []

    init(_ configure: (inout BrokerConfiguration) -> Void = { _ in }) {
        var configuration = BrokerConfiguration()
        configure(&configuration)
        self.broker = Broker(
            configuration: configuration,
            store: MemoryStore(),
            loop: self.loop,
            logger: .init(label: "agentd.test")
        )
    }

    /// A new connection running the real pipeline: frame decoder, then session.
    func connect() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: nil, loop: self.loop)
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(FrameDecoder(maxFrameBytes: self.broker.configuration.maxFrameBytes))
        )
        try channel.pipeline.syncOperations.addHandler(SessionHandler(broker: self.broker))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7420)).wait()
        self.channels.append(channel)
        return channel
    }

    /// A connection that said hello as `agent`.
    func connect(as agent: String) throws -> EmbeddedChannel {
        let channel = try self.connect()
        let reply = try self.exchange(channel, #"{"op":"hello","agent_id":"\#(agent)"}"#)
        #expect(reply.count == 1 && reply[0].contains("\"ok\":true"))
        return channel
    }

    /// Writes `lines` (each gets its `\n`) as one read; returns the reply lines written since.
    func exchange(_ channel: EmbeddedChannel, _ lines: String...) throws -> [String] {
        try channel.writeInbound(ByteBuffer(string: lines.map { $0 + "\n" }.joined()))
        return try self.output(channel)
    }

    /// Every line the server wrote on `channel` so far (pushed events included).
    func output(_ channel: EmbeddedChannel) throws -> [String] {
        // Pushes are scheduled with `execute`: let them run.
        self.loop.run()
        var lines: [String] = []
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            let text = buffer.readString(length: buffer.readableBytes) ?? ""
            #expect(text.hasSuffix("\n"), "every frame ends with a newline")
            lines += text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        }
        return lines
    }

    func finish() {
        for channel in self.channels {
            _ = try? channel.finish(acceptAlreadyClosed: true)
        }
        try? self.loop.syncShutdownGracefully()
    }
}

/// Counts `read` calls reaching the socket end of the pipeline.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var count = 0

    func read(context: ChannelHandlerContext) {
        self.count += 1
        context.read()
    }
}

func parse(_ line: String) throws -> JSONValue {
    try JSONParser.parse(line)
}

/// The delivered messages of a `fetch` reply.
func messages(_ line: String) throws -> [JSONValue] {
    try #require(try parse(line)["messages"]?.arrayValue)
}

private func sendLine(id: Int, to agent: String, _ extra: String = "") -> String {
    #"{"op":"send","id":\#(id),"message":{"to_agent":"\#(agent)","message_type":"status_update","content":{"n":\#(id)}\#(extra)}}"#
}

@Suite struct SessionHandlerTests {
    // MARK: Before hello

    @Test func pingBeforeHello() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        #expect(try harness.exchange(channel, #"{"op":"ping","id":1}"#) == [#"{"id":1,"ok":true,"pong":true}"#])
        #expect(channel.isActive)
    }

    @Test func everythingElseIsUnauthenticatedBeforeHello() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        let replies = try harness.exchange(
            channel,
            #"{"op":"fetch","id":"f"}"#,
            #"{"op":"stats","id":2}"#,
            #"{"op":"no_such_op","id":3}"#
        )
        #expect(replies == [
            #"{"id":"f","ok":false,"error":{"code":"unauthenticated","message":"say hello first"}}"#,
            #"{"id":2,"ok":false,"error":{"code":"unauthenticated","message":"say hello first"}}"#,
            #"{"id":3,"ok":false,"error":{"code":"unauthenticated","message":"say hello first"}}"#,
        ])
        #expect(channel.isActive)
    }

    @Test func helloReply() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        let reply = try harness.exchange(channel, #"{"op":"hello","id":"h","agent_id":"worker-1"}"#)
        #expect(reply == [#"{"id":"h","ok":true,"server":"agentd","version":"\#(Broker.version)","protocol":1,"agent_id":"worker-1"}"#])
    }

    @Test func helloErrors() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        let replies = try harness.exchange(
            channel,
            #"{"op":"hello","id":1}"#,
            #"{"op":"hello","id":2,"agent_id":"bad id"}"#,
            #"{"op":"hello","id":3,"agent_id":"agentd"}"#,
            #"{"op":"hello","id":4,"agent_id":"w"}"#,
            #"{"op":"hello","id":5,"agent_id":"w2"}"#
        )
        let codes = try replies.map { try parse($0)["error"]?["code"] }
        #expect(codes == ["bad_request", "bad_request", "forbidden", nil, "bad_request"])
    }

    // MARK: Messaging

    @Test func helloSendFetchAck() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w1")
        let send = try harness.exchange(
            channel,
            #"{"op":"send","id":2,"message":{"message_id":"m-1","to_agent":"w1","message_type":"task_assignment","content":{"big":9223372036854775807},"priority":"high","correlation_id":"c"}}"#
        )
        #expect(send == [#"{"id":2,"ok":true,"message_id":"m-1"}"#])

        let fetch = try harness.exchange(channel, #"{"op":"fetch","id":3,"limit":5}"#)
        #expect(fetch.count == 1)
        let reply = try parse(fetch[0])
        #expect(reply["id"] == 3)
        #expect(reply["ok"] == true)
        let message = try #require(try messages(fetch[0]).first)
        #expect(message["message_id"] == "m-1")
        #expect(message["from_agent"] == "w1")
        #expect(message["to_agent"] == "w1")
        #expect(message["message_type"] == "task_request")
        #expect(message["priority"] == "high")
        #expect(message["correlation_id"] == "c")
        #expect(message["content"] == ["big": .number(try #require(JSONNumber(literal: "9223372036854775807")))])
        #expect(message["delivery"]?["attempt"] == 1)
        let timestamp = try #require(message["timestamp"]?.stringValue)
        #expect(timestamp.utf8.count == 24 && timestamp.hasSuffix("Z"))

        #expect(try harness.exchange(channel, #"{"op":"ack","id":4,"message_ids":["m-1"]}"#) == [#"{"id":4,"ok":true,"acked":1}"#])
        #expect(try harness.exchange(channel, #"{"op":"ack","id":5,"message_ids":["m-1","nope"]}"#) == [#"{"id":5,"ok":true,"acked":0}"#])
        #expect(try harness.exchange(channel, #"{"op":"fetch","id":6}"#) == [#"{"id":6,"ok":true,"messages":[]}"#])
    }

    @Test func fetchGivesPriorityOrderAcrossPriorities() throws {
        let harness = Harness()
        defer { harness.finish() }
        let sender = try harness.connect(as: "s")
        let worker = try harness.connect(as: "w")
        _ = try harness.exchange(
            sender,
            sendLine(id: 1, to: "w", #","priority":"low""#),
            sendLine(id: 2, to: "w", #","priority":"critical""#),
            sendLine(id: 3, to: "w")
        )
        // One at a time: each fetch must still find what the previous one left.
        var order: [JSONValue?] = []
        for id in 10..<13 {
            let reply = try harness.exchange(worker, #"{"op":"fetch","id":\#(id),"limit":1}"#)
            order += try messages(try #require(reply.first)).map { $0["content"]?["n"] }
        }
        #expect(order.first == 2)
        #expect(order == [2, 3, 1])
    }

    @Test func sendErrors() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "me")
        let replies = try harness.exchange(
            channel,
            #"{"op":"send","id":1,"message":{"to_agent":"x","message_type":"heartbeat","content":{},"from_agent":"other"}}"#,
            #"{"op":"send","id":2,"message":{"to_agent":"x","message_type":"heartbeat","content":{},"ttl_ms":"5"}}"#,
            #"{"op":"send","id":3,"message":{"to_agent":"x","message_type":"heartbeat","content":{},"from_agent":"me"}}"#,
            #"{"op":"fetch","id":4,"limit":"10"}"#,
            #"{"op":"fetch","id":5,"limit":0}"#
        )
        let errors = try replies.map { try parse($0)["error"] }
        #expect(errors[0]?["code"] == "forbidden")
        #expect(errors[1]?["code"] == "bad_request")
        #expect(errors[1]?["message"]?.stringValue?.hasPrefix("message.ttl_ms") == true)
        #expect(errors[2] == nil)
        #expect(errors[3]?["code"] == "bad_request")
        #expect(errors[3]?["message"]?.stringValue?.hasPrefix("limit") == true)
        #expect(errors[4]?["code"] == "bad_request")
    }

    @Test func duplicateAndConflictingMessageIDs() throws {
        let harness = Harness()
        defer { harness.finish() }
        let a = try harness.connect(as: "a")
        let b = try harness.connect(as: "b")
        let line = #"{"op":"send","id":1,"message":{"message_id":"same","to_agent":"w","message_type":"heartbeat","content":{}}}"#
        #expect(try harness.exchange(a, line) == [#"{"id":1,"ok":true,"message_id":"same"}"#])
        #expect(try harness.exchange(a, line) == [#"{"id":1,"ok":true,"message_id":"same","duplicate":true}"#])
        let conflict = try harness.exchange(b, line)
        #expect(try parse(conflict[0])["error"]?["code"] == "bad_request")
        #expect(try parse(conflict[0])["error"]?["message"]?.stringValue?.contains("message_id") == true)
    }

    @Test func pipelinedRequestsAreAnsweredInOrderWithTheirIDs() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        let replies = try harness.exchange(
            channel,
            #"{"op":"ping","id":1}"#,
            #"{"op":"hello","id":"two","agent_id":"p"}"#,
            sendLine(id: 3, to: "p"),
            "not json",
            #"{"op":"fetch","id":1e2}"#,
            #"{"op":"ping","id":true}"#,
            #"{"op":"ack","id":-7,"message_ids":[]}"#,
            #"{"op":"ping","id":"last"}"#
        )
        #expect(replies.count == 8)
        let parsed = try replies.map(parse)
        #expect(parsed.map { $0["id"] } == [1, "two", 3, .null, .number(try #require(JSONNumber(literal: "1e2"))), .null, -7, "last"])
        #expect(replies[4].hasPrefix(#"{"id":1e2,"ok":true"#))
        #expect(parsed[3]["error"]?["code"] == "bad_json")
        #expect(parsed[5]["error"]?["code"] == "bad_request")
        #expect(try messages(replies[4]).count == 1)
        #expect(replies[6] == #"{"id":-7,"ok":true,"acked":0}"#)
    }

    @Test func badFramesKeepTheConnection() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        try channel.writeInbound(ByteBuffer(bytes: [0x7B, 0x22, 0x6F, 0x70, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D, 0x0A]))
        let replies = try harness.output(channel) + harness.exchange(channel, "[1]", #"{"op":"launch"}"#, "", #"{"op":"ping"}"#)
        let codes = try replies.map { try parse($0)["error"]?["code"] }
        #expect(codes == ["bad_json", "bad_json", "unknown_op", nil])
        #expect(replies.last == #"{"id":null,"ok":true,"pong":true}"#)
        #expect(channel.isActive)
    }

    // MARK: Closing

    @Test func frameTooLargeRepliesThenCloses() throws {
        let harness = Harness { $0.maxFrameBytes = 64 }
        defer { harness.finish() }
        let channel = try harness.connect()
        let replies = try harness.exchange(channel, #"{"op":"ping","id":1}"#, String(repeating: "x", count: 65), #"{"op":"ping","id":2}"#)
        #expect(replies == [
            #"{"id":1,"ok":true,"pong":true}"#,
            #"{"id":null,"ok":false,"error":{"code":"frame_too_large","message":"frame longer than max_frame_bytes (64); closing"}}"#,
        ])
        #expect(!channel.isActive)
    }

    @Test func frameOfExactlyTheLimitIsServed() throws {
        let harness = Harness { $0.maxFrameBytes = 64 }
        defer { harness.finish() }
        let channel = try harness.connect()
        let head = #"{"op":"ping","id":1,"pad":""#
        let padded = head + String(repeating: "p", count: 64 - head.utf8.count - 2) + #""}"#
        #expect(padded.utf8.count == 64)
        #expect(try harness.exchange(channel, padded) == [#"{"id":1,"ok":true,"pong":true}"#])
        #expect(channel.isActive)
    }

    @Test func byeRepliesThenCloses() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        let replies = try harness.exchange(channel, #"{"op":"bye","id":9}"#, #"{"op":"ping","id":10}"#)
        #expect(replies == [#"{"id":9,"ok":true}"#])
        #expect(!channel.isActive)
    }

    @Test func byeWaitsForEarlierReplies() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        let replies = try harness.exchange(channel, sendLine(id: 1, to: "w"), #"{"op":"fetch","id":2}"#, #"{"op":"bye","id":3}"#)
        #expect(replies.count == 3)
        #expect(try replies.map { try parse($0)["id"] } == [1, 2, 3])
        #expect(!channel.isActive)
    }

    // MARK: Presence

    /// Unregistered agents are forgotten with their last connection; registered ones stay.
    @Test func agentsThatNeverRegisteredAreForgottenWhenTheyLeave() throws {
        let harness = Harness()
        defer { harness.finish() }
        let before = harness.broker.presence.count
        let first = try harness.connect(as: "passer-by")
        let second = try harness.connect(as: "passer-by")
        let worker = try harness.connect(as: "stayer")
        // Straight through the registry: its answer comes from its own queue, after `exchange`.
        _ = try harness.broker.registry.register(
            "stayer", try RegisterRequest(["role": "worker", "capabilities": []]), now: WallClock.nowMilliseconds()
        ).wait()
        #expect(harness.broker.presence.count == before + 2)
        try first.close().wait()
        #expect(harness.broker.presence.count == before + 2, "one connection of passer-by is still open")
        try second.close().wait()
        try worker.close().wait()
        #expect(harness.broker.presence.count == before + 1)
        #expect(harness.broker.presence.role(of: "stayer") == .worker)
    }

    // MARK: Connections agentd ends

    @Test func noHelloInTimeGetsByeAndClose() throws {
        let harness = Harness { $0.helloTimeout = .milliseconds(1_000) }
        defer { harness.finish() }
        let channel = try harness.connect()
        #expect(try harness.exchange(channel, #"{"op":"ping","id":1}"#) == [#"{"id":1,"ok":true,"pong":true}"#])
        harness.loop.advanceTime(by: .milliseconds(999))
        #expect(channel.isActive, "a ping is not a hello, but the deadline has not passed")
        harness.loop.advanceTime(by: .milliseconds(1))
        #expect(try harness.output(channel) == [#"{"event":"bye","reason":"hello_timeout"}"#])
        #expect(!channel.isActive)
    }

    @Test func helloInTimeKeepsTheConnectionWithoutIdleTimeout() throws {
        let harness = Harness { $0.helloTimeout = .milliseconds(1_000) }
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        harness.loop.advanceTime(by: .seconds(3_600))
        #expect(channel.isActive)
        #expect(try harness.output(channel).isEmpty)
    }

    @Test func silenceBeyondTheIdleTimeoutGetsByeAndClose() throws {
        let harness = Harness { $0.idleTimeout = .milliseconds(5_000) }
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        harness.loop.advanceTime(by: .seconds(4))
        // Any frame counts as life, and restarts the clock.
        #expect(try harness.exchange(channel, #"{"op":"ping","id":1}"#).count == 1)
        harness.loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        harness.loop.advanceTime(by: .seconds(1))
        #expect(try harness.output(channel) == [#"{"event":"bye","reason":"idle"}"#])
        #expect(!channel.isActive)
    }

    @Test func drainAnswersWhatIsOwedThenSaysBye() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        // A long poll is under way when the drain starts: no bye before its answer.
        #expect(try harness.exchange(channel, #"{"op":"fetch","id":7,"wait_ms":20000}"#).isEmpty)
        channel.pipeline.fireUserInboundEventTriggered(DrainEvent())
        #expect(try harness.output(channel).isEmpty)
        #expect(channel.isActive)
        let sender = try harness.connect(as: "s")
        #expect(try harness.exchange(sender, sendLine(id: 1, to: "w")).count == 1)
        let lines = try harness.output(channel)
        #expect(lines.count == 2)
        #expect(try messages(lines[0]).count == 1)
        #expect(lines.last == #"{"event":"bye","reason":"shutdown"}"#)
        #expect(!channel.isActive)
    }

    @Test func drainOfAnIdleConnectionSaysByeAtOnce() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        channel.pipeline.fireUserInboundEventTriggered(DrainEvent())
        #expect(try harness.output(channel) == [#"{"event":"bye","reason":"shutdown"}"#])
        #expect(!channel.isActive)
    }

    /// While the socket cannot take more output the session asks for no more input.
    @Test func noReadsWhileTheClientDoesNotRead() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        let reads = ReadCounter()
        try channel.pipeline.syncOperations.addHandler(reads, position: .first)
        channel.isWritable = false
        channel.read()
        #expect(reads.count == 0)
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(reads.count == 1, "reading resumes when the output drains")
    }

    // MARK: Subscribe

    @Test func subscribeReplyPrecedesThePushedEvent() throws {
        let harness = Harness()
        defer { harness.finish() }
        let sender = try harness.connect(as: "s")
        let worker = try harness.connect(as: "w")
        _ = try harness.exchange(sender, sendLine(id: 1, to: "w"), sendLine(id: 2, to: "w"))

        let lines = try harness.exchange(worker, #"{"op":"subscribe","id":"sub","prefetch":1}"#)
        #expect(lines.count == 2)
        #expect(lines.first == #"{"id":"sub","ok":true,"subscribed":true}"#)
        let event = try parse(try #require(lines.last))
        #expect(event["event"] == "message")
        #expect(event["ok"] == nil)
        #expect(event["id"] == nil)
        #expect(event["message"]?["content"]?["n"] == 1)
        #expect(event["message"]?["delivery"]?["attempt"] == 1)
        let first = try #require(event["message"]?["message_id"]?.stringValue)

        // Prefetch 1: the second message waits for the ack.
        #expect(try harness.output(worker).isEmpty)
        let afterAck = try harness.exchange(worker, #"{"op":"ack","id":5,"message_ids":["\#(first)"]}"#)
        #expect(afterAck.first == #"{"id":5,"ok":true,"acked":1}"#)
        #expect(afterAck.count == 2)
        #expect(try parse(afterAck[1])["message"]?["content"]?["n"] == 2)
    }

    @Test func messagesSentLaterArePushed() throws {
        let harness = Harness()
        defer { harness.finish() }
        let worker = try harness.connect(as: "w")
        #expect(try harness.exchange(worker, #"{"op":"subscribe","id":1}"#) == [#"{"id":1,"ok":true,"subscribed":true}"#])
        let sender = try harness.connect(as: "s")
        _ = try harness.exchange(sender, sendLine(id: 7, to: "w"))
        let pushed = try harness.output(worker)
        #expect(pushed.count == 1)
        #expect(try parse(pushed[0])["message"]?["content"]?["n"] == 7)

        #expect(try harness.exchange(worker, #"{"op":"unsubscribe","id":2}"#) == [#"{"id":2,"ok":true,"subscribed":false}"#])
        _ = try harness.exchange(sender, sendLine(id: 8, to: "w"))
        #expect(try harness.output(worker).isEmpty)
    }

    // MARK: Redelivery

    @Test func closingReleasesInFlightMessages() throws {
        let harness = Harness()
        defer { harness.finish() }
        let sender = try harness.connect(as: "s")
        _ = try harness.exchange(sender, sendLine(id: 1, to: "w"), sendLine(id: 2, to: "w"))

        let first = try harness.connect(as: "w")
        let fetched = try messages(try #require(try harness.exchange(first, #"{"op":"fetch","id":1}"#).first))
        #expect(fetched.map { $0["delivery"]?["attempt"] } == [1, 1])
        try first.close().wait()

        let second = try harness.connect(as: "w")
        let again = try messages(try #require(try harness.exchange(second, #"{"op":"fetch","id":1}"#).first))
        #expect(again.map { $0["message_id"] } == fetched.map { $0["message_id"] })
        #expect(again.map { $0["delivery"]?["attempt"] } == [2, 2])
    }

    @Test func closingWhileSubscribedReleasesPushedMessages() throws {
        let harness = Harness()
        defer { harness.finish() }
        let sender = try harness.connect(as: "s")
        let first = try harness.connect(as: "w")
        _ = try harness.exchange(first, #"{"op":"subscribe","id":1}"#)
        _ = try harness.exchange(sender, sendLine(id: 1, to: "w"))
        #expect(try harness.output(first).count == 1)
        try first.close().wait()

        let second = try harness.connect(as: "w")
        let again = try messages(try #require(try harness.exchange(second, #"{"op":"fetch","id":1}"#).first))
        #expect(again.map { $0["delivery"]?["attempt"] } == [2])
    }

    @Test func nackRedeliversWithTheNextAttempt() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        _ = try harness.exchange(channel, #"{"op":"send","id":1,"message":{"message_id":"n1","to_agent":"w","message_type":"heartbeat","content":{}}}"#)
        _ = try harness.exchange(channel, #"{"op":"fetch","id":2}"#)
        #expect(try harness.exchange(channel, #"{"op":"nack","id":3,"message_ids":["n1","n2"]}"#) == [#"{"id":3,"ok":true,"requeued":1}"#])
        let again = try messages(try #require(try harness.exchange(channel, #"{"op":"fetch","id":4}"#).first))
        #expect(again.map { $0["delivery"]?["attempt"] } == [2])
    }

    @Test func lastAttemptGoesToTheDeadLettersAndRequeueStartsOver() throws {
        let harness = Harness { $0.delivery.maxDeliveries = 2 }
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        _ = try harness.exchange(channel, #"{"op":"send","id":1,"message":{"message_id":"d1","to_agent":"w","message_type":"heartbeat","content":{}}}"#)
        for attempt in 1...2 {
            let fetched = try messages(try #require(try harness.exchange(channel, #"{"op":"fetch","id":2}"#).first))
            #expect(fetched.map { $0["delivery"]?["attempt"] } == [.number(JSONNumber(attempt))])
            _ = try harness.exchange(channel, #"{"op":"nack","id":3,"message_ids":["d1"]}"#)
        }
        #expect(try harness.exchange(channel, #"{"op":"fetch","id":4}"#) == [#"{"id":4,"ok":true,"messages":[]}"#])

        let dead = try messages(try #require(try harness.exchange(channel, #"{"op":"dead_letters","id":5}"#).first))
        #expect(dead.count == 1)
        #expect(dead.first?["message_id"] == "d1")
        #expect(dead.first?["dead"]?["reason"] == "max_deliveries")
        #expect(dead.first?["dead"]?["attempts"] == 2)

        let forbidden = try harness.exchange(channel, #"{"op":"dead_letters","id":6,"agent_id":"someone-else"}"#)
        #expect(try parse(forbidden[0])["error"]?["code"] == "forbidden")

        #expect(try harness.exchange(channel, #"{"op":"requeue_dead","id":7,"message_ids":["d1"]}"#) == [#"{"id":7,"ok":true,"requeued":1}"#])
        let back = try messages(try #require(try harness.exchange(channel, #"{"op":"fetch","id":8}"#).first))
        #expect(back.map { $0["message_id"] } == ["d1"])
        #expect(back.map { $0["delivery"]?["attempt"] } == [1])
    }

    // MARK: Observability

    @Test func healthReply() throws {
        // (`stats` also waits for the registry's queue, off this loop: the integration suite covers it.)
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        #expect(
            try harness.exchange(channel, #"{"op":"health","id":5}"#)
                == [#"{"id":5,"ok":true,"status":"ok","store":"up","backend":"memory"}"#]
        )
    }
}
