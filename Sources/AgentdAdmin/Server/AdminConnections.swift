import NIOConcurrencyHelpers
import NIOCore

/// The open admin connections: counted against `max_connections`, closed at shutdown.
final class AdminConnections: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds `channel` unless the limit is reached; it leaves the set when it closes.
    func admit(_ channel: any Channel) -> Bool {
        let admitted = self.channels.withLockedValue { channels in
            guard channels.count < self.limit else { return false }
            channels[ObjectIdentifier(channel)] = channel
            return true
        }
        if admitted {
            channel.closeFuture.whenComplete { _ in
                self.channels.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
            }
        }
        return admitted
    }

    /// Closes every open connection.
    func closeAll() {
        for channel in self.channels.withLockedValue({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }
}
