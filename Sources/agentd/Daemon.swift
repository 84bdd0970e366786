import AgentdAdmin
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
        // A TLS file that cannot be used stops agentd: clients told to expect TLS must never
        // find plain TCP instead.
        let certificates = try self.configuration.tls.isEnabled ? TLSCertificates(self.configuration.tls, logger: self.logger) : nil
        let listeners = self.listeners(certificates)
        // Token mode with a missing or bad tokens file stops here: better than refusing every agent.
        let tokens = try self.loadTokens()
        let metricsRegistry = self.bootstrapMetrics()
        let threads = self.configuration.eventLoopThreads == 0 ? System.coreCount : self.configuration.eventLoopThreads
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let daemonID = DaemonIdentity.make(configured: self.configuration.daemonID, hostName: ProcessInfo.processInfo.hostName)
        let store = StoreFactory.make(self.configuration, daemonID: daemonID, loop: group.next())
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
        certificates?.watchHangup()
        do {
            // Before anything is delivered: a live twin with this id stops the start here.
            try await broker.membership.join()
        } catch let taken as DaemonIDTaken {
            throw DaemonError(taken.description)
        } catch {
            // Redis down at start: serve anyway (requests get `unavailable`); the lease is taken
            // at the first renewal that reaches Redis.
            self.logger.warning("could not join the system at start", metadata: ["agentd.error": "\(error)"])
        }
        do {
            try await broker.start().get()
        } catch {
            // The store may be down at start; agentd still serves and reports `unavailable`.
            self.logger.warning("could not recover in-flight messages at start", metadata: ["agentd.error": "\(error)"])
        }
        let readiness = AdminReadiness()
        let admin = try await self.bindAdmin(broker: broker, registry: metricsRegistry, readiness: readiness, group: group)
        let adminShown = admin.map { " admin=\($0.shownAddress)" } ?? ""
        let backend = store.backendName
        let server = BrokerServer(broker: broker, listeners: listeners, group: group, logger: self.logger) { addresses in
            readiness.serving()
            // The contract's readiness line; scripts wait for it and read the real ports.
            let line = Self.readyLine(listeners, bound: addresses, admin: adminShown, backend: backend, daemonID: daemonID)
            FileHandle.standardError.write(Data(line.utf8))
            let status = line.replacingOccurrences(of: "agentd ready ", with: "serving ").trimmingCharacters(in: .newlines)
            notifier?.ready(status: status, watchdogLoop: group.next())
        }
        // Started in this order, stopped in the reverse one. The store closes last, after the
        // audit log's final snapshot (which reads its counters). Before that the membership
        // hands back what this daemon still holds and gives its lease up; before that the
        // delivery engine stops its timer and wake-ups; before that the timers (liveness,
        // sweeper, deadlines) stop, once the agent port has drained. The registry and the
        // coordinator keep no state of their own (it is in the store): the timers are their
        // only running part.
        let serving: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: broker.membership),
            .init(service: broker.deliveryService),
            .init(service: broker.timers),
        ] + Self.services(server: server, admin: admin, readiness: readiness)
        let services = ServiceGroup(
            configuration: .init(
                services: [.init(service: StoreService(store: store))]
                    + OperationsServices.around(serving, auditLog: auditLog, notifier: notifier, broker: broker, loop: group.next()),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            )
        )
        try await services.run()
        tokens?.stop()
        certificates?.stop()
        try await group.shutdownGracefully()
        self.logger.info("agentd stopped")
    }
}

extension Daemon {
    /// The agent port (TLS when `certificates` is given) and, with TLS, the optional plain
    /// loopback port.
    private func listeners(_ certificates: TLSCertificates?) -> [AgentListener] {
        let listen = self.configuration.listen
        guard let certificates else {
            return [AgentListener(host: listen.host, port: listen.port)]
        }
        var listeners = [AgentListener(host: listen.host, port: listen.port, tls: certificates.context)]
        if let plain = self.configuration.tls.plainListen {
            listeners.append(AgentListener(host: plain.host, port: plain.port))
        }
        return listeners
    }

    /// `agentd ready listen=HOST:PORT [tls=on] [plain=HOST:PORT] [admin=HOST:PORT] backend=NAME daemon=ID`,
    /// with the real ports; `listen=` is always the main agent port, the one scripts read.
    /// `admin` is the admin part, with its leading space, or empty.
    static func readyLine(_ listeners: [AgentListener], bound: [SocketAddress], admin: String, backend: String, daemonID: String) -> String {
        func shown(_ index: Int) -> String {
            let listener = listeners[index]
            let address = index < bound.count ? bound[index] : nil
            let host = address?.ipAddress ?? listener.host
            let port = address?.port ?? listener.port
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
        var line = "agentd ready listen=\(shown(0))"
        if listeners[0].tls != nil { line += " tls=on" }
        if listeners.count > 1 { line += " plain=\(shown(1))" }
        return line + admin + " backend=\(backend) daemon=\(daemonID)\n"
    }

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
