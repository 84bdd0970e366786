import NIOCore

/// Listens to the sentinels' `+switch-master` announcements and moves an endpoint to the new
/// master the moment a failover is decided, instead of when a connection to the old one
/// breaks or is refused a write.
///
/// One sentinel at a time is listened to; when its connection breaks the next one in the list
/// is tried (with the subscriber's backoff). Announcements missed meanwhile cost nothing
/// lasting: connections still find the new master on `-READONLY` or a lost connection.
public final class SentinelWatcher: Sendable {
    private static let channel = "+switch-master"
    private let subscriber: RedisSubscriber

    /// Watches for failovers of `endpoint`'s master; nil when `endpoint` does not use Sentinel.
    public init?(endpoint: RedisEndpoint, loop: any EventLoop) {
        guard case .sentinel(let configuration) = endpoint.kind else { return nil }
        let sentinels = RedisEndpoint(kind: .anyOf(configuration.sentinels), timeout: .seconds(2))
        let name = configuration.masterName
        self.subscriber = RedisSubscriber(
            configuration: RedisConfiguration(),
            endpoint: sentinels,
            loop: loop,
            onMessage: { _, payload in
                if let master = Self.newMaster(String(decoding: payload, as: UTF8.self), name: name) {
                    endpoint.switched(to: master)
                }
            },
            onSubscribed: { _ in }
        )
    }

    /// Starts listening.
    public func start() {
        self.subscriber.subscribe([Self.channel])
    }

    /// Stops listening.
    public func shutdown() {
        self.subscriber.shutdown()
    }

    /// The new master in `<name> <old-ip> <old-port> <new-ip> <new-port>`, if it is about `name`.
    static func newMaster(_ announcement: String, name: String) -> RedisAddress? {
        let parts = announcement.split(separator: " ")
        guard parts.count == 5, parts[0] == name, let port = Int(parts[4]) else { return nil }
        return RedisAddress(host: String(parts[3]), port: port)
    }
}
