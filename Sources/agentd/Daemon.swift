import AgentdAudit
import AgentdConfig
import AgentdSystemd
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
        // Refused rather than ignored: serving plain TCP to clients that were told to expect
        // TLS would be worse than not starting.
        guard self.configuration.tls.certFile == nil, self.configuration.tls.keyFile == nil else {
            throw DaemonError("TLS (tls.cert_file / tls.key_file) is not supported by this version yet; unset them to serve plain TCP")
        }
        // Token mode with a missing or bad tokens file stops here: better than refusing every agent.
        let tokens = try self.loadTokens()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        let store = StoreFactory.make(self.configuration)
        let auditLog = AuditService.makeLog(self.configuration, logger: self.logger)
        let notifier = await SystemdNotifier.connect(.current, group: group, logger: self.logger)
        let broker = Broker(
            configuration: BrokerConfiguration(self.configuration),
            store: store,
            loop: group.next(),
            logger: self.logger,
            authenticator: tokens?.helloAuthenticator,
            audit: auditLog ?? NoAuditSink()
        )
        tokens?.watchHangup()
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
            notifier?.ready(status: "serving listen=\(shown) backend=\(backend)", watchdogLoop: group.next())
        }
        let services = ServiceGroup(
            configuration: .init(
                services: OperationsServices.around(server, auditLog: auditLog, notifier: notifier, broker: broker, loop: group.next()),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        try await services.run()
        tokens?.stop()
        store.shutdown()
        try await group.shutdownGracefully()
        self.logger.info("agentd stopped")
    }
}

extension Daemon {
    /// The tokens file when `auth.mode = token`, nil when `none` (any hello is accepted).
    private func loadTokens() throws -> TokensFile? {
        guard self.configuration.auth.mode == .token else { return nil }
        guard let path = self.configuration.auth.tokensFile else {
            // ConfigurationValidation refuses this already; kept so the daemon never runs open.
            throw DaemonError("auth.mode = token needs auth.tokens_file")
        }
        return try TokensFile.load(path: path, logger: self.logger)
    }
}

/// A startup failure, reported in one line.
struct DaemonError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
