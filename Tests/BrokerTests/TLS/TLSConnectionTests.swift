import AgentCore
import AgentdClient
import AgentdConfig
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Testing

@testable import Broker

/// The agent port over real TLS: agentd's BrokerServer with a TLS listener (and a plain
/// loopback one), spoken to by AgentdClient on 127.0.0.1.
@Suite struct TLSConnectionTests {
    /// A broker on a memory store, serving `listeners` until `stop`.
    private final class Server: Sendable {
        let ports: [Int]
        private let services: ServiceGroup
        private let running: Task<Void, any Error>

        let tls: AgentTLSContext

        init(_ tls: AgentTLS.Files, plain: Bool = false) async throws {
            let configuration = BrokerConfiguration()
            let logger = Logger(label: "agentd.tls-test")
            let group = MultiThreadedEventLoopGroup.singleton
            let broker = Broker(configuration: configuration, store: MemoryStore(), loop: group.next(), logger: logger)
            self.tls = AgentTLSContext(try AgentTLS.makeContext(tls))
            var listeners = [AgentListener(host: "127.0.0.1", port: 0, tls: self.tls)]
            if plain {
                listeners.append(AgentListener(host: "127.0.0.1", port: 0))
            }
            let (bound, sink) = AsyncStream.makeStream(of: [Int].self)
            let server = BrokerServer(broker: broker, listeners: listeners, group: group, logger: logger) { addresses in
                sink.yield(addresses.map { $0.port ?? 0 })
                sink.finish()
            }
            self.services = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
            let services = self.services
            self.running = Task { try await services.run() }
            var iterator = bound.makeAsyncIterator()
            self.ports = await iterator.next() ?? []
            guard self.ports.count == listeners.count, !self.ports.contains(0) else {
                self.running.cancel()
                throw ServerDidNotStart()
            }
        }

        func stop() async {
            await self.services.triggerGracefulShutdown()
            _ = try? await self.running.value
        }

        struct ServerDidNotStart: Error {}
    }

    private func serverTLS(_ pki: TestPKI, clientCA: Bool = false, require: Bool = false) -> AgentTLS.Files {
        AgentTLS.Files(
            certFile: pki.path("server.pem"),
            keyFile: pki.path("server-key.pem"),
            caFile: clientCA ? pki.path("ca.pem") : nil,
            requireClientCert: require
        )
    }

    /// The hello reply, or the error that stopped the client getting one (connect or request).
    private func hello(port: Int, tls: ClientTLS?, as agent: String) async -> Result<JSONObject, any Error> {
        let client: AgentdClient
        do {
            client = try await AgentdClient.connect(host: "127.0.0.1", port: port, tls: tls)
        } catch {
            return .failure(error)
        }
        let result: Result<JSONObject, any Error>
        do {
            result = .success(try await client.hello(agentID: agent))
        } catch {
            result = .failure(error)
        }
        await client.close()
        return result
    }

    @Test func helloOverTLSWithTheTestCA() async throws {
        let pki = try TestPKI.get()
        let server = try await Server(self.serverTLS(pki))
        let reply = try await self.hello(port: server.ports[0], tls: ClientTLS(caFile: pki.path("ca.pem")), as: "worker-1").get()
        #expect(reply["agent_id"] == .string("worker-1"))
        // The same port refuses to speak plain TCP: no hello is ever answered.
        let plain = await self.hello(port: server.ports[0], tls: nil, as: "worker-1")
        #expect(throws: (any Error).self) { try plain.get() }
        await server.stop()
    }

    @Test func untrustedServerCertificateFailsTheHandshake() async throws {
        let pki = try TestPKI.get()
        let server = try await Server(self.serverTLS(pki))
        let result = await self.hello(port: server.ports[0], tls: ClientTLS(caFile: pki.path("rogue-ca.pem")), as: "worker-1")
        guard case .failure(AgentdClientError.tlsHandshake(let detail)) = result else {
            Issue.record("expected a failed handshake, got \(result)")
            await server.stop()
            return
        }
        #expect(detail.contains("127.0.0.1:\(server.ports[0])"))
        await server.stop()
    }

    @Test func mutualTLSBindsTheAgentToTheCertificate() async throws {
        let pki = try TestPKI.get()
        let server = try await Server(self.serverTLS(pki, clientCA: true, require: true))
        let port = server.ports[0]
        let worker1 = ClientTLS(caFile: pki.path("ca.pem"), certificateFile: pki.path("client-worker-1.pem"), keyFile: pki.path("client-worker-1-key.pem"))
        #expect(try await self.hello(port: port, tls: worker1, as: "worker-1").get()["agent_id"] == .string("worker-1"))
        // The same certificate cannot say hello as another agent.
        let spoofed = await self.hello(port: port, tls: worker1, as: "worker-2")
        guard case .failure(AgentdClientError.server(let code, let message)) = spoofed else {
            Issue.record("expected unauthenticated, got \(spoofed)")
            await server.stop()
            return
        }
        #expect(code == "unauthenticated")
        #expect(message == "hello: the client certificate names agent worker-1, not worker-2")
        // Without a certificate, or with one from another CA, no hello is answered at all.
        let none = await self.hello(port: port, tls: ClientTLS(caFile: pki.path("ca.pem")), as: "worker-1")
        #expect(throws: (any Error).self) { try none.get() }
        let rogue = ClientTLS(caFile: pki.path("ca.pem"), certificateFile: pki.path("rogue-worker-1.pem"), keyFile: pki.path("rogue-worker-1-key.pem"))
        let rogueResult = await self.hello(port: port, tls: rogue, as: "worker-1")
        #expect(throws: (any Error).self) { try rogueResult.get() }
        await server.stop()
    }

    @Test func optionalClientCertificateStillBindsWhenPresented() async throws {
        let pki = try TestPKI.get()
        let server = try await Server(self.serverTLS(pki, clientCA: true, require: false))
        let port = server.ports[0]
        // No certificate: allowed (auth.mode = none), any id.
        #expect(try await self.hello(port: port, tls: ClientTLS(caFile: pki.path("ca.pem")), as: "anyone").get()["agent_id"] == .string("anyone"))
        let worker2 = ClientTLS(caFile: pki.path("ca.pem"), certificateFile: pki.path("client-worker-2.pem"), keyFile: pki.path("client-worker-2-key.pem"))
        let spoofed = await self.hello(port: port, tls: worker2, as: "worker-1")
        #expect((try? spoofed.get()) == nil)
        #expect(try await self.hello(port: port, tls: worker2, as: "worker-2").get()["agent_id"] == .string("worker-2"))
        await server.stop()
    }

    @Test func plainLoopbackListenerBesideTLS() async throws {
        let pki = try TestPKI.get()
        let server = try await Server(self.serverTLS(pki), plain: true)
        #expect(try await self.hello(port: server.ports[1], tls: nil, as: "local-tool").get()["agent_id"] == .string("local-tool"))
        #expect(try await self.hello(port: server.ports[0], tls: ClientTLS(caFile: pki.path("ca.pem")), as: "remote").get()["agent_id"] == .string("remote"))
        await server.stop()
    }

    @Test func replacedContextServesNewConnectionsOnly() async throws {
        let pki = try TestPKI.get()
        let server = try await Server(self.serverTLS(pki))
        let port = server.ports[0]
        let trusting = ClientTLS(caFile: pki.path("ca.pem"))
        let before = try await AgentdClient.connect(host: "127.0.0.1", port: port, tls: trusting)
        try await before.hello(agentID: "before")
        // As a reload that turns on mutual TLS would.
        server.tls.replace(with: try AgentTLS.makeContext(self.serverTLS(pki, clientCA: true, require: true)))
        let without = await self.hello(port: port, tls: trusting, as: "after")
        #expect(throws: (any Error).self) { try without.get() }
        let worker1 = ClientTLS(caFile: pki.path("ca.pem"), certificateFile: pki.path("client-worker-1.pem"), keyFile: pki.path("client-worker-1-key.pem"))
        #expect(try await self.hello(port: port, tls: worker1, as: "worker-1").get()["agent_id"] == .string("worker-1"))
        // The connection accepted before the change keeps working.
        #expect(try await before.request("ping")["pong"] == .bool(true))
        await before.close()
        await server.stop()
    }

    @Test func clientRefusesUnusableFilesBeforeConnecting() async throws {
        let pki = try TestPKI.get()
        // Port 9 (discard) is never dialled: the files are checked first.
        await #expect(throws: AgentdClientError.self) {
            _ = try await AgentdClient.connect(host: "127.0.0.1", port: 9, tls: ClientTLS(caFile: pki.path("missing.pem")))
        }
        await #expect(throws: AgentdClientError.self) {
            _ = try await AgentdClient.connect(host: "127.0.0.1", port: 9, tls: ClientTLS(certificateFile: pki.path("client-worker-1.pem")))
        }
    }
}
