import ServiceLifecycle

/// Flips `AdminReadiness` to `draining` as soon as the graceful shutdown begins.
///
/// A `ServiceGroup` shuts its services down in reverse order, one after the other; listed
/// after the agent port's server, this one is told first, so `/readyz` turns 503 before the
/// drain starts, while the admin server (listed before) still answers during the drain.
public struct ReadinessService: Service {
    private let readiness: AdminReadiness

    /// Watches for the shutdown on behalf of `readiness`.
    public init(readiness: AdminReadiness) {
        self.readiness = readiness
    }

    /// Waits for the graceful shutdown (or cancellation), then reports `draining`.
    public func run() async throws {
        try? await gracefulShutdown()
        self.readiness.draining()
    }
}
