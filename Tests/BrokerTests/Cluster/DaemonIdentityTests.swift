import AgentdConfig
import Testing

@testable import Broker

@Suite struct DaemonIdentityTests {
    @Test func aConfiguredDaemonIDIsUsedAsIs() {
        #expect(DaemonIdentity.make(configured: "node-7", hostName: "ignored") == "node-7")
    }

    /// Without `daemon_id`: the host name made valid, plus a random suffix, so two runs on one
    /// host never share an id (a restart is a new daemon; the old one is taken over).
    @Test func aMadeUpDaemonIDIsTheHostNamePlusASuffix() throws {
        let first = DaemonIdentity.make(configured: nil, hostName: "web-1.example.com")
        let second = DaemonIdentity.make(configured: nil, hostName: "web-1.example.com")
        #expect(first.hasPrefix("web-1.example.com-"))
        #expect(first != second)
        #expect(AgentdConfiguration.isValidDaemonID(first))

        let odd = DaemonIdentity.make(configured: nil, hostName: "my host/ü")
        #expect(odd.hasPrefix("my-host--"))
        #expect(AgentdConfiguration.isValidDaemonID(odd))

        let long = DaemonIdentity.make(configured: nil, hostName: String(repeating: "h", count: 200))
        #expect(long.hasPrefix(String(repeating: "h", count: 48) + "-"))
        #expect(AgentdConfiguration.isValidDaemonID(long))

        #expect(DaemonIdentity.make(configured: nil, hostName: "").hasPrefix("agentd-"))
    }
}
