import AgentCore
import AgentdAuth
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// `auth.mode = token` through the real pipeline on an `EmbeddedEventLoop`, whose manual
/// clock shows the slow-down of refused hellos without waiting for it.
@Suite struct SessionAuthTests {
    private final class Harness {
        let loop = EmbeddedEventLoop()
        let broker: Broker
        private var channels: [EmbeddedChannel] = []

        init() throws {
            let configuration = BrokerConfiguration()
            let table = try TokenTable(entries: [
                TokenEntry(agent: "worker-*", tokenSHA256: AgentToken.sha256Hex("w-secret"), roles: ["worker"]),
                TokenEntry(agent: "boss", tokenSHA256: AgentToken.sha256Hex("b-secret"), roles: ["supervisor"]),
            ])
            self.broker = Broker(
                configuration: configuration,
                store: MemoryStore(),
                loop: self.loop,
                logger: .init(label: "agentd.test"),
                authenticator: HelloAuthenticator(table: table)
            )
        }

        func connect() throws -> EmbeddedChannel {
            let channel = EmbeddedChannel(handler: nil, loop: self.loop)
            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameBytes: 4_096)))
            try channel.pipeline.syncOperations.addHandler(SessionHandler(broker: self.broker))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7420)).wait()
            self.channels.append(channel)
            return channel
        }

        /// Writes `line` and returns the reply lines written after `advance` of manual time.
        func exchange(_ channel: EmbeddedChannel, _ line: String, advance: TimeAmount = .zero) throws -> [String] {
            try channel.writeInbound(ByteBuffer(string: line + "\n"))
            self.loop.advanceTime(by: advance)
            var lines: [String] = []
            while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
                let text = buffer.readString(length: buffer.readableBytes) ?? ""
                lines += text.split(separator: "\n").map(String.init)
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

    private static let refused = #"{"id":1,"ok":false,"error":{"code":"unauthenticated","message":"hello: unknown agent or wrong token"}}"#

    @Test func refusedHelloIsAnsweredAfterTheDelay() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        // The first refusal waits 100 ms: nothing before, the reply after.
        #expect(try harness.exchange(channel, #"{"op":"hello","id":1,"agent_id":"worker-1","token":"no"}"#, advance: .milliseconds(99)) == [])
        #expect(try harness.exchange(channel, "", advance: .milliseconds(1)) == [Self.refused])
        // The second waits 200 ms; a missing token and an unknown agent read the same.
        #expect(try harness.exchange(channel, #"{"op":"hello","id":1,"agent_id":"worker-1"}"#, advance: .milliseconds(199)) == [])
        #expect(try harness.exchange(channel, "", advance: .milliseconds(1)) == [Self.refused])
        #expect(try harness.exchange(channel, #"{"op":"hello","id":1,"agent_id":"nobody","token":"w-secret"}"#, advance: .milliseconds(400)) == [Self.refused])
        #expect(harness.broker.authenticator?.failureCount == 3)
        // A right token is answered at once.
        let ok = try harness.exchange(channel, #"{"op":"hello","id":2,"agent_id":"worker-1","token":"w-secret"}"#)
        #expect(ok.count == 1 && ok[0].contains(#""ok":true"#))
    }

    @Test func registerOnlyAsTheTokensRoles() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        _ = try harness.exchange(channel, #"{"op":"hello","id":1,"agent_id":"worker-1","token":"w-secret"}"#)
        let refused = try harness.exchange(channel, #"{"op":"register","id":2,"role":"supervisor","capabilities":[]}"#)
        #expect(refused == [#"{"id":2,"ok":false,"error":{"code":"forbidden","message":"role: worker-1's token allows only worker, not supervisor"}}"#])
        // (An allowed register is answered by the registry's queue, off this manual loop; the
        // end-to-end tests check that one.)
        #expect(harness.broker.authenticator != nil)
    }

    @Test func reloadedTableServesLaterHellos() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let before = try harness.connect()
        _ = try harness.exchange(before, #"{"op":"hello","id":1,"agent_id":"worker-1","token":"w-secret"}"#)
        harness.broker.authenticator?.replaceTable(try TokenTable(entries: [
            TokenEntry(agent: "new", tokenSHA256: AgentToken.sha256Hex("n-secret"), roles: ["monitor"]),
        ]))
        let after = try harness.connect()
        let ok = try harness.exchange(after, #"{"op":"hello","id":1,"agent_id":"new","token":"n-secret"}"#)
        #expect(ok.count == 1 && ok[0].contains(#""ok":true"#))
        // The session from before keeps working with its roles.
        #expect(try harness.exchange(before, #"{"op":"ping","id":2}"#) == [#"{"id":2,"ok":true,"pong":true}"#])
        let refused = try harness.exchange(before, #"{"op":"register","id":3,"role":"monitor","capabilities":[]}"#)
        #expect(refused.count == 1 && refused[0].contains("allows only worker"))
    }

    @Test func clientCertificateNamesTheOnlyAgentAHelloMayUse() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        // What PeerIdentityHandler tells the session after a TLS handshake with a client certificate.
        channel.pipeline.fireUserInboundEventTriggered(PeerIdentity(agentID: "worker-1"))
        let other = try harness.exchange(channel, #"{"op":"hello","id":1,"agent_id":"worker-2","token":"w-secret"}"#)
        #expect(other == [#"{"id":1,"ok":false,"error":{"code":"unauthenticated","message":"hello: the client certificate names agent worker-1, not worker-2"}}"#])
        // Not slowed down and not counted as a guessed token: the certificate was valid.
        #expect(harness.broker.authenticator?.failureCount == 0)
        // The certificate's agent still needs its token in token mode.
        let noToken = try harness.exchange(channel, #"{"op":"hello","id":2,"agent_id":"worker-1"}"#, advance: .milliseconds(100))
        #expect(noToken == [Self.refused.replacingOccurrences(of: #""id":1"#, with: #""id":2"#)])
        let ok = try harness.exchange(channel, #"{"op":"hello","id":3,"agent_id":"worker-1","token":"w-secret"}"#)
        #expect(ok.count == 1 && ok[0].contains(#""ok":true"#))
    }

    @Test func certificateWithoutCommonNameAllowsNoHello() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let channel = try harness.connect()
        channel.pipeline.fireUserInboundEventTriggered(PeerIdentity(agentID: nil))
        let refused = try harness.exchange(channel, #"{"op":"hello","id":1,"agent_id":"worker-1","token":"w-secret"}"#)
        #expect(refused.count == 1 && refused[0].contains("has no common name (CN)"))
    }
}
