import Logging
import NIOPosix
import Testing

@testable import AgentdSystemd

/// The datagrams themselves are checked end to end (scripts/integration/tests_13_ops, a Python
/// listener standing in for systemd): a NIO listener cannot stand in, since it fails on
/// datagrams from an unbound Unix socket, which is what systemd receives.
@Suite struct SystemdNotifierTests {
    @Test func noSocketNoNotifier() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        #expect(await SystemdNotifier.connect(NotifyEnvironment([:], processID: 1), group: group, logger: Logger(label: "test")) == nil)
        // Abstract sockets are unsupported: reported, not fatal.
        #expect(await SystemdNotifier.connect(NotifyEnvironment(["NOTIFY_SOCKET": "@x"], processID: 1), group: group, logger: Logger(label: "test")) == nil)
        // Nobody listening there.
        #expect(await SystemdNotifier.connect(NotifyEnvironment(["NOTIFY_SOCKET": "/nonexistent/notify"], processID: 1), group: group, logger: Logger(label: "test")) == nil)
        try await group.shutdownGracefully()
    }
}
