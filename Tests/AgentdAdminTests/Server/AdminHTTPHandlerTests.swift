import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import AgentdAdmin
@testable import Broker

/// The HTTP side through NIO's real server pipeline on an `EmbeddedChannel`: the routes used
/// here answer without leaving the loop, so no other thread is involved.
@Suite struct AdminHTTPHandlerTests {
    private final class Harness {
        let channel = EmbeddedChannel()
        let readiness = AdminReadiness()

        init() throws {
            let configuration = BrokerConfiguration()
            let broker = Broker(
                configuration: configuration,
                store: MemoryStore(),
                loop: self.channel.embeddedEventLoop,
                logger: .init(label: "agentd.test")
            )
            let responder = AdminResponder(broker: broker, registry: nil, readiness: self.readiness)
            try self.channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try self.channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(responder: responder))
            try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9090)).wait()
        }

        /// Writes raw request bytes and returns everything written back.
        func exchange(_ raw: String) throws -> String {
            try self.channel.writeInbound(ByteBuffer(string: raw))
            self.channel.embeddedEventLoop.run()
            var text = ""
            while let part = try self.channel.readOutbound(as: IOData.self) {
                if case .byteBuffer(var buffer) = part {
                    text += buffer.readString(length: buffer.readableBytes) ?? ""
                }
            }
            return text
        }

        func finish() {
            _ = try? self.channel.finish(acceptAlreadyClosed: true)
        }
    }

    @Test func answersWithStatusHeadersAndBody() throws {
        let harness = try Harness()
        defer { harness.finish() }
        harness.readiness.serving()
        let text = try harness.exchange("GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Content-Type: application/json\r\n"))
        #expect(text.contains("Content-Length: 20\r\n"))
        #expect(text.contains("Cache-Control: no-store\r\n"))
        #expect(text.hasSuffix("\r\n\r\n{\"status\":\"serving\"}"))
        #expect(harness.channel.isActive)
    }

    @Test func keepAliveServesPipelinedRequestsInOrder() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let text = try harness.exchange(
            "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nPOST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        let statuses = text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { String($0.prefix(3)) }
        #expect(statuses == ["503", "404", "405"])
        #expect(text.contains("Allow: GET, HEAD\r\n"))
        #expect(harness.channel.isActive)
    }

    @Test func headHasHeadersButNoBody() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let text = try harness.exchange("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(text.contains("Content-Length: \(DashboardPage.response.body.count)\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func connectionCloseIsHonoured() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let text = try harness.exchange("GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        #expect(text.hasPrefix("HTTP/1.1 404 Not Found\r\n"))
        #expect(text.contains("Connection: close\r\n"))
        #expect(!harness.channel.isActive)
    }

    @Test func garbageIs400AndCloses() throws {
        let harness = try Harness()
        defer { harness.finish() }
        let text = try harness.exchange("\u{1}\u{2} not http at all\r\n\r\n")
        #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(!harness.channel.isActive)
    }
}
