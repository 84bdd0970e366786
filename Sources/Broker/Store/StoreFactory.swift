import AgentdConfig
import NIOCore

/// Picks the store backend named by the configuration.
public enum StoreFactory {
    /// The store for `configuration.backend`, as daemon `daemonID`; `loop` carries the Redis
    /// store's pub/sub connection.
    public static func make(_ configuration: AgentdConfiguration, daemonID: String, loop: any EventLoop) -> any MessageStore {
        switch configuration.backend {
        case .memory:
            return MemoryStore()
        case .redis:
            return RedisStore(configuration: configuration, daemonID: daemonID, loop: loop)
        }
    }

    /// `daemon_id` when configured, else the host name (cut to fit, other characters as `-`)
    /// plus a random suffix, so restarts and copies on one host never share an id.
    public static func daemonID(configured: String?, hostName: String) -> String {
        if let configured { return configured }
        let cleaned = String(hostName.unicodeScalars.prefix(48).map { scalar -> Character in
            AgentdConfiguration.isValidDaemonID(String(scalar)) ? Character(scalar) : "-"
        })
        let suffix = String(UInt32.random(in: .min ... .max), radix: 36)
        return (cleaned.isEmpty ? "agentd" : cleaned) + "-" + suffix
    }
}
