import ServiceLifecycle

/// The delivery engine's lifetime in the daemon's service group.
///
/// The engine starts before the group runs (`Broker.start`: this daemon's previous run's
/// deliveries are handed back before the ready line). It stops after the agent port has
/// drained, and before the membership hands back what is left: no redelivery timer fires and
/// no wake-up is taken after that point.
public struct DeliveryService: Service {
    private let engine: DeliveryEngine

    /// The service that stops `engine` at its turn of a graceful shutdown.
    public init(engine: DeliveryEngine) {
        self.engine = engine
    }

    /// Waits for the graceful shutdown to reach this service, then stops the engine.
    public func run() async throws {
        try? await gracefulShutdown()
        self.engine.stop()
    }
}
