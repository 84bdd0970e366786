import AgentdAdmin
import Broker
import CoreMetrics
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

extension Daemon {
    /// With the admin port on: bootstraps swift-metrics with a Prometheus factory and returns
    /// the registry `/metrics` renders. With it off, metrics stay no-ops (nobody could read them).
    ///
    /// Must run before the store and the broker are made: their instruments are created once,
    /// from whatever factory is bootstrapped at that moment.
    func bootstrapMetrics() -> PrometheusCollectorRegistry? {
        guard self.configuration.admin != nil else { return nil }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(AgentdMetricsFactory.make(registry: registry))
        return registry
    }

    /// Binds the admin port when configured (before the ready line, which names its address).
    func bindAdmin(
        broker: Broker,
        registry: PrometheusCollectorRegistry?,
        readiness: AdminReadiness,
        group: any EventLoopGroup
    ) async throws -> AdminServer? {
        guard let address = self.configuration.admin else { return nil }
        do {
            return try await AdminServer.bind(
                responder: AdminResponder(broker: broker, registry: registry, readiness: readiness),
                configuration: AdminConfiguration(host: address.host, port: address.port),
                group: group,
                logger: self.logger
            )
        } catch {
            throw DaemonError("admin port \(address): \(error)")
        }
    }

    /// The services in start order: the admin port first so that it stops last (it answers
    /// probes through the drain), the readiness watcher last so that it hears of the shutdown
    /// first.
    static func services(server: BrokerServer, admin: AdminServer?, readiness: AdminReadiness) -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let admin {
            services.append(.init(service: admin))
        }
        services.append(.init(service: server))
        services.append(.init(service: ReadinessService(readiness: readiness)))
        return services
    }
}
