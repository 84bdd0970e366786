import AgentdConfig
import NIOPosix
import Testing

@testable import Broker

@Suite struct StoreFactoryTests {
    @Test func aConfiguredDaemonIDIsUsedAsIs() {
        #expect(StoreFactory.daemonID(configured: "node-7", hostName: "ignored") == "node-7")
    }

    /// Without `daemon_id`: the host name made valid, plus a random suffix, so two runs on one
    /// host never share an id (a restart is a new daemon; the old one is taken over).
    @Test func aMadeUpDaemonIDIsTheHostNamePlusASuffix() throws {
        let first = StoreFactory.daemonID(configured: nil, hostName: "web-1.example.com")
        let second = StoreFactory.daemonID(configured: nil, hostName: "web-1.example.com")
        #expect(first.hasPrefix("web-1.example.com-"))
        #expect(first != second)
        #expect(AgentdConfiguration.isValidDaemonID(first))

        let odd = StoreFactory.daemonID(configured: nil, hostName: "my host/ü")
        #expect(odd.hasPrefix("my-host--"))
        #expect(AgentdConfiguration.isValidDaemonID(odd))

        let long = StoreFactory.daemonID(configured: nil, hostName: String(repeating: "h", count: 200))
        #expect(long.hasPrefix(String(repeating: "h", count: 48) + "-"))
        #expect(AgentdConfiguration.isValidDaemonID(long))

        #expect(StoreFactory.daemonID(configured: nil, hostName: "").hasPrefix("agentd-"))
    }

    @Test func theBackendDecidesTheStore() {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        var configuration = AgentdConfiguration()
        configuration.backend = .memory
        let memory = StoreFactory.make(configuration, daemonID: "d1", loop: loop)
        #expect(memory.backendName == "memory")
        // One process is the whole system: its id is fixed.
        #expect(memory.daemonID == "memory")
        configuration.backend = .redis
        let redis = StoreFactory.make(configuration, daemonID: "d1", loop: loop)
        defer { redis.shutdown() }
        #expect(redis.backendName == "redis")
        #expect(redis.daemonID == "d1")
    }
}
