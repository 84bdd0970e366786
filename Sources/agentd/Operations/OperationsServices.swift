import AgentdAudit
import AgentdSystemd
import Broker
import NIOCore
import ServiceLifecycle

/// Where the operations services go around the listener in the `ServiceGroup`. Shutdown runs
/// in reverse order: the systemd notifier hears of it first (`STOPPING=1` before the drain),
/// the audit log last (the drain's events are still written).
enum OperationsServices {
    static func around(
        _ server: some Service,
        auditLog: AuditLog?,
        notifier: SystemdNotifier?,
        broker: Broker,
        loop: any EventLoop
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let auditLog {
            services.append(.init(service: AuditService(log: auditLog, broker: broker, loop: loop)))
        }
        services.append(.init(service: server))
        if let notifier {
            services.append(.init(service: SystemdNotifyService(notifier: notifier)))
        }
        return services
    }
}
