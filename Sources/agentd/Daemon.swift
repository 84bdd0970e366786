import AgentdConfig
import Broker
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Builds the broker from the configuration and runs it as a `ServiceGroup` until SIGTERM/SIGINT.
struct Daemon {
    let configuration: AgentdConfiguration
    let logger: Logger

    func run() async throws {
        guard self.configuration.auth.mode == .none else {
            throw DaemonError("auth.mode = token is not supported by this version yet; use auth.mode = none")
        }
        // Refused rather than ignored: serving plain TCP to clients that were told to expect
        // TLS would be worse than not starting.
        guard self.configuration.tls.certFile == nil, self.configuration.tls.keyFile == nil else {
            throw DaemonError("TLS (tls.cert_file / tls.key_file) is not supported by this version yet; unset them to serve plain TCP")
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let store = StoreFactory.make(self.configuration)
        let broker = Broker(
            configuration: BrokerConfiguration(self.configuration),
            store: store,
            loop: group.next(),
            logger: self.logger
        )
        do {
            try await broker.start().get()
        } catch {
            // The store may be down at start; agentd still serves and reports `unavailable`.
            self.logger.warning("could not recover in-flight messages at start", metadata: ["agentd.error": "\(error)"])
        }
        let listen = self.configuration.listen
        let backend = store.backendName
        let server = BrokerServer(
            broker: broker,
            host: listen.host,
            port: listen.port,
            group: group,
            logger: self.logger
        ) { address in
            let host = address.ipAddress ?? listen.host
            let port = address.port ?? listen.port
            let shown = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            // The contract's readiness line; scripts wait for it and read the real port.
            FileHandle.standardError.write(Data("agentd ready listen=\(shown) backend=\(backend)\n".utf8))
        }
        let services = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        try await services.run()
        store.shutdown()
        try await group.shutdownGracefully()
        self.logger.info("agentd stopped")
    }
}

/// A startup failure, reported in one line.
struct DaemonError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
