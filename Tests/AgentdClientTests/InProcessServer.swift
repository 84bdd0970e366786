import Broker
import Logging
import NIOPosix
import ServiceLifecycle

/// agentd's broker and agent port in this process, on a memory store and a free port, so the
/// client's tests run over real TCP without a daemon binary or Redis.
final class InProcessServer: Sendable {
    let port: Int
    private let services: ServiceGroup
    private let running: Task<Void, any Error>

    private init(port: Int, services: ServiceGroup, running: Task<Void, any Error>) {
        self.port = port
        self.services = services
        self.running = running
    }

    static func start(_ configure: (inout BrokerConfiguration) -> Void = { _ in }) async throws -> InProcessServer {
        var configuration = BrokerConfiguration()
        configure(&configuration)
        let logger = Logger(label: "agentd.client-test")
        let group = MultiThreadedEventLoopGroup.singleton
        let broker = Broker(configuration: configuration, store: MemoryStore(), loop: group.next(), logger: logger)
        try await broker.start().get()
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let server = BrokerServer(broker: broker, host: "127.0.0.1", port: 0, group: group, logger: logger) { address in
            portSink.yield(address.port ?? 0)
            portSink.finish()
        }
        let services = ServiceGroup(configuration: .init(services: [.init(service: server)], logger: logger))
        let running = Task { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            running.cancel()
            throw ServerDidNotStart()
        }
        return InProcessServer(port: port, services: services, running: running)
    }

    /// Drains like SIGTERM does and waits until the server has stopped.
    func stop() async {
        await self.services.triggerGracefulShutdown()
        _ = try? await self.running.value
    }

    struct ServerDidNotStart: Error {}
}
