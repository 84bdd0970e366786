import AgentdConfig
import Broker
import NIOCore

/// Picks the store backend named by the configuration.
enum StoreFactory {
    /// The store for `configuration.backend`, as daemon `daemonID`; `loop` carries the Redis
    /// store's pub/sub connection.
    static func make(_ configuration: AgentdConfiguration, daemonID: String, loop: any EventLoop) -> any MessageStore {
        switch configuration.backend {
        case .memory:
            return MemoryStore()
        case .redis:
            let settings = RedisStore.Settings(
                host: configuration.redis.host,
                port: configuration.redis.port,
                timeoutMilliseconds: configuration.storeTimeoutMilliseconds,
                password: configuration.redisAuth.password,
                username: configuration.redisAuth.username,
                database: configuration.redisAuth.database,
                keyPrefix: configuration.keyPrefix
            )
            return RedisStore(settings: settings, daemonID: daemonID, loop: loop)
        }
    }
}
