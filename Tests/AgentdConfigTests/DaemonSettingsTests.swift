import Testing

@testable import AgentdConfig

/// `daemon_id` and `daemon_lease_ms`: how many daemons share one Redis.
@Suite struct DaemonSettingsTests {
    @Test func defaultsLeaveTheIDToTheStart() throws {
        let configuration = try load()
        #expect(configuration.daemonID == nil)
        #expect(configuration.daemonLeaseMilliseconds == 5_000)
        // An empty id in the file is the same as none.
        #expect(try load("daemon_id = \"\"").daemonID == nil)
        #expect(try load(environment: ["AGENTD_DAEMON_ID": ""]).daemonID == nil)
    }

    @Test(arguments: ["a", "host-1", "Host_2.example:7420", String(repeating: "x", count: 64)])
    func validIDs(id: String) throws {
        #expect(AgentdConfiguration.isValidDaemonID(id))
        #expect(try load("daemon_id = \"\(id)\"").daemonID == id)
    }

    @Test(arguments: ["a/b", "has space", "é", "agentd/released", String(repeating: "x", count: 65), "tab\t"])
    func invalidIDs(id: String) {
        #expect(!AgentdConfiguration.isValidDaemonID(id))
        #expect(loadError(environment: ["AGENTD_DAEMON_ID": id])?.hasPrefix("AGENTD_DAEMON_ID: expected 1 to 64 characters of A-Z a-z 0-9 . _ : -") == true)
    }

    @Test func theIDIsCheckedInTheFileToo() {
        let message = loadError("daemon_id = \"a b\"")
        #expect(message?.hasPrefix("agentd.toml:1: daemon_id: expected 1 to 64 characters") == true)
        #expect(message?.contains("\"a b\"") == true)
        #expect(loadError("daemon_id = 7")?.hasPrefix("agentd.toml:1: daemon_id: expected a string") == true)
    }

    @Test func leaseBounds() throws {
        #expect(try load("daemon_lease_ms = 300").daemonLeaseMilliseconds == 300)
        #expect(try load("daemon_lease_ms = 600_000").daemonLeaseMilliseconds == 600_000)
        #expect(loadError("daemon_lease_ms = 299") == "agentd.toml:1: daemon_lease_ms: expected an integer from 300 to 600000, got 299")
        #expect(loadError(environment: ["AGENTD_DAEMON_LEASE_MS": "600001"]) == "AGENTD_DAEMON_LEASE_MS: expected an integer from 300 to 600000, got \"600001\"")
    }

    /// A dead daemon's deliveries must come back within the ack timeout: the lease in effect
    /// is at most half of it, and never below 300 ms.
    @Test(arguments: [
        (5_000, 30_000, 5_000),
        (20_000, 30_000, 15_000),
        (5_000, 1_000, 500),
        (5_000, 100, 300),
        (300, 30_000, 300),
    ])
    func theLeaseInEffect(lease: Int, ackTimeout: Int, effective: Int) throws {
        let configuration = try load(environment: ["AGENTD_DAEMON_LEASE_MS": "\(lease)", "AGENTD_ACK_TIMEOUT_MS": "\(ackTimeout)"])
        #expect(configuration.effectiveDaemonLeaseMilliseconds == effective)
    }
}
