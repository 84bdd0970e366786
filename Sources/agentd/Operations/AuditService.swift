import AgentdAudit
import AgentdConfig
import Broker
import Logging
import NIOCore
import ServiceLifecycle

/// Runs the audit log (`audit_dir`): starts its writer, records a `performance` snapshot every
/// minute and a `final` one at shutdown, then flushes and closes the files.
///
/// First in the service group, so it stops last: the drain's events are written too.
struct AuditService: Service {
    /// One snapshot a minute: fine enough to see a trend, about 1 500 lines (~1 MB) a day.
    static let snapshotInterval: Duration = .seconds(60)

    let log: AuditLog
    let broker: Broker
    let loop: any EventLoop

    /// The audit log for `configuration`, or nil when `audit_dir` is not set.
    static func makeLog(_ configuration: AgentdConfiguration, logger: Logger) -> AuditLog? {
        guard let directory = configuration.auditDirectory else { return nil }
        let settings = AuditLogConfiguration(directory: directory, retentionDays: configuration.auditRetentionDays)
        return AuditLog(configuration: settings, logger: logger)
    }

    func run() async throws {
        self.log.start()
        // The writer flushes on its own; this only makes sure the last lines land on any exit.
        defer { self.log.shutdown() }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: Self.snapshotInterval)
                }
            } catch {
                break
            }
            await self.snapshot("snapshot")
        }
        await self.snapshot("final")
    }

    private func snapshot(_ name: String) async {
        if let event = try? await self.broker.performanceSnapshot(name, on: self.loop).get() {
            self.log.record(event)
        }
    }
}
