import ServiceLifecycle

/// The store's lifetime in the daemon's service group.
///
/// First in the group, so it stops last: every other part (the drain, the membership's
/// goodbye, which hands this daemon's deliveries back) still reaches Redis while it stops.
public struct StoreService: Service {
    private let store: any MessageStore

    /// The service that closes `store`'s connections at the end of a graceful shutdown.
    public init(store: any MessageStore) {
        self.store = store
    }

    /// Waits for the graceful shutdown to reach this service, then closes the connections.
    public func run() async throws {
        try? await gracefulShutdown()
        self.store.shutdown()
    }
}
