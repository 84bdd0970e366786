import NIOCore
import NIOEmbedded
import Synchronization
import Testing
@testable import RedisStreams

/// The pipeline (decoder + reply matching + watchdog) on an EmbeddedChannel: what goes out,
/// which reply reaches which request, and what happens when the connection breaks or hangs.
@Suite struct RedisPipelineHandlerTests {
    /// Completions as "label:" plus the replies (status/integer/bulk text) or the failure kind.
    private final class Recorder: Sendable {
        let results = Mutex([String]())

        func completion(_ label: String) -> @Sendable (Result<[RedisReply], RedisStreamsError>) -> Void {
            { result in
                let text: String
                switch result {
                case .success(let replies): text = "\(label):" + replies.map(Self.show).joined(separator: ",")
                case .failure(let error): text = "\(label):\(error.kind)"
                }
                self.results.withLock { $0.append(text) }
            }
        }

        private static func show(_ reply: RedisReply) -> String {
            if let integer = reply.int { return String(integer) }
            return reply.string ?? reply.errorMessage ?? "?"
        }

        var all: [String] { self.results.withLock { $0 } }
    }

    private func channel(timeout: TimeAmount = .seconds(2)) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers(
            RedisReplyDecoder(), RedisPipelineHandler(timeout: timeout, peer: "test:1"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        #expect(channel.isActive)
        return channel
    }

    private func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    @Test func writesRESPAndMatchesRepliesInOrder() throws {
        let channel = try channel()
        let recorder = Recorder()
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("SET", "k", "v"), RedisCommand("GET", "k")],
                                               completion: recorder.completion("a")))
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("PING")], completion: recorder.completion("b")))
        #expect(try written(channel) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n")

        // Replies arrive in arbitrary pieces; each request completes when its last reply is in.
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n$1\r"))
        #expect(recorder.all.isEmpty)
        try channel.writeInbound(ByteBuffer(string: "\nv\r\n+PO"))
        #expect(recorder.all == ["a:OK,v"])
        try channel.writeInbound(ByteBuffer(string: "NG\r\n"))
        #expect(recorder.all == ["a:OK,v", "b:PONG"])
    }

    @Test func malformedAndEmptyRequestsCompleteInTheirTurn() throws {
        let channel = try channel()
        let recorder = Recorder()
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("INCR", "n")], completion: recorder.completion("a")))
        try channel.writeOutbound(RedisRequest(commands: [], completion: recorder.completion("empty")))
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("INCR", "n"), RedisCommand([])],
                                               completion: recorder.completion("bad")))
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("INCR", "n")], completion: recorder.completion("b")))
        // The malformed request wrote nothing: only the two INCRs went out.
        #expect(try written(channel) == "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n")
        #expect(recorder.all.isEmpty)
        try channel.writeInbound(ByteBuffer(string: ":1\r\n:2\r\n"))
        #expect(recorder.all == ["a:1", "empty:", "bad:protocolError", "b:2"])
    }

    @Test func closedConnectionFailsEverythingInFlightAndAfter() throws {
        let channel = try channel()
        let recorder = Recorder()
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("PING")], completion: recorder.completion("a")))
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("PING")], completion: recorder.completion("b")))
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        channel.pipeline.fireChannelInactive()
        #expect(recorder.all == ["a:PONG", "b:unreachable"])
        _ = try? channel.writeOutbound(RedisRequest(commands: [RedisCommand("PING")], completion: recorder.completion("c")))
        #expect(recorder.all.last == "c:unreachable")
    }

    @Test func garbageFromTheServerFailsAndCloses() throws {
        let channel = try channel()
        let recorder = Recorder()
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("PING")], completion: recorder.completion("a")))
        _ = try? channel.writeInbound(ByteBuffer(string: "?nonsense\r\n"))
        #expect(recorder.all == ["a:protocolError"])
        #expect(!channel.isActive)
    }

    @Test func unsolicitedReplyFailsAndCloses() throws {
        let channel = try channel()
        _ = try? channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(!channel.isActive)
    }

    /// A server that accepts commands but never answers (SIGSTOP, a wedged host): the oldest
    /// request's age decides, and everything in flight fails with `.timeout`.
    @Test func watchdogFailsRequestsThatGetNoReply() throws {
        let channel = try channel(timeout: .milliseconds(500))
        let recorder = Recorder()
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("PING")], completion: recorder.completion("a")))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(300))
        try channel.writeOutbound(RedisRequest(commands: [RedisCommand("PING")], completion: recorder.completion("b")))
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))   // a answered in time
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(300))
        #expect(recorder.all.count == 1)                              // b is 300 ms old: still fine
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(250))
        #expect(recorder.all == ["a:PONG", "b:timeout"])
        #expect(!channel.isActive)
    }
}
