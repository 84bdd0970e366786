import NIOConcurrencyHelpers
import NIOCore

/// The open connections, so a drain can reach each of them.
final class ConnectionSet: Sendable {
    private let channels = NIOLockedValueBox<[ObjectIdentifier: any Channel]>([:])

    func insert(_ channel: any Channel) {
        self.channels.withLockedValue { $0[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLockedValue { _ = $0.removeValue(forKey: ObjectIdentifier(channel)) }
        }
    }

    var all: [any Channel] {
        self.channels.withLockedValue { Array($0.values) }
    }

    var isEmpty: Bool {
        self.channels.withLockedValue { $0.isEmpty }
    }
}
