import AgentdConfig
import Broker
import NIOCore
import RedisStreams

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
                keyPrefix: configuration.keyPrefix,
                sentinel: configuration.redisMasterName.map { name in
                    RedisSentinelConfiguration(
                        sentinels: configuration.redisSentinels.map { RedisAddress(host: $0.host, port: $0.port) },
                        masterName: name
                    )
                },
                waitReplicas: configuration.redisWaitReplicas
            )
            return RedisStore(settings: settings, daemonID: daemonID, loop: loop)
        }
    }
}
