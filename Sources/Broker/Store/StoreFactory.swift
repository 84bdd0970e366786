import AgentdConfig

/// Picks the store backend named by the configuration.
public enum StoreFactory {
    /// The store for `configuration.backend`.
    public static func make(_ configuration: AgentdConfiguration) -> any MessageStore {
        switch configuration.backend {
        case .memory:
            return MemoryStore()
        case .redis:
            return RedisStore(configuration: configuration)
        }
    }
}
