import AgentdConfig
import Testing

@Suite struct HostPortTests {
    @Test(arguments: [
        ("127.0.0.1:7420", "127.0.0.1", 7420),
        ("localhost:6379", "localhost", 6379),
        ("redis-1.internal_net:1", "redis-1.internal_net", 1),
        ("0.0.0.0:0", "0.0.0.0", 0),
        ("host:65535", "host", 65535),
        ("[::1]:7420", "::1", 7420),
        ("[::]:0", "::", 0),
        ("[fe80::1%eth0]:80", "fe80::1%eth0", 80),
        ("[::ffff:10.0.0.1]:9", "::ffff:10.0.0.1", 9),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let address = try HostPort(parsing: text)
        #expect(address == HostPort(host: host, port: port))
        // The description parses back to the same address.
        #expect(try HostPort(parsing: address.description) == address)
    }

    @Test func descriptionBracketsIPv6() {
        #expect(HostPort(host: "::1", port: 7420).description == "[::1]:7420")
        #expect(HostPort(host: "example.org", port: 80).description == "example.org:80")
    }

    @Test(arguments: [
        ("localhost", "missing ':PORT'"),
        ("", "missing ':PORT'"),
        (":7420", "missing host"),
        ("host:", "the port must be a number from 0 to 65535"),
        ("host:65536", "the port must be a number from 0 to 65535"),
        ("host:-1", "the port must be a number from 0 to 65535"),
        ("host:+80", "the port must be a number from 0 to 65535"),
        ("host:80x", "the port must be a number from 0 to 65535"),
        ("host:0000080", "the port must be a number from 0 to 65535"),
        ("::1:7420", "write IPv6 addresses in brackets"),
        ("[::1]", "missing ':PORT' after ']'"),
        ("[::1:7420", "missing ']'"),
        ("[]:80", "not an IPv6 address"),
        ("[localhost]:80", "not an IPv6 address"),
        ("bad host:80", "the host may contain only"),
        ("user@host:80", "the host may contain only"),
        ("http://host:80", "write IPv6 addresses in brackets"),
    ])
    func rejects(text: String, reason: String) {
        do {
            let address = try HostPort(parsing: text)
            Issue.record("\"\(text)\" parsed as \(address)")
        } catch {
            #expect(error.message.hasPrefix("expected HOST:PORT, got \"\(text)\""))
            #expect(error.message.contains(reason), "\(error.message)")
        }
    }
}
