import AgentdAudit
import AgentdSystemd
import Broker
import NIOCore
import ServiceLifecycle

/// Where the operations services go around the serving ones (the agent port, the admin port
/// and its readiness) in the `ServiceGroup`. Shutdown runs in reverse order: the systemd
/// notifier hears of it first (`STOPPING=1` before the drain), the audit log last (the
/// drain's events are still written).
enum OperationsServices {
    static func around(
        _ serving: [ServiceGroupConfiguration.ServiceConfiguration],
        auditLog: AuditLog?,
        notifier: SystemdNotifier?,
        broker: Broker,
        loop: any EventLoop
    ) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let auditLog {
            services.append(.init(service: AuditService(log: auditLog, broker: broker, loop: loop)))
        }
        services.append(contentsOf: serving)
        if let notifier {
            services.append(.init(service: SystemdNotifyService(notifier: notifier)))
        }
        return services
    }
}
