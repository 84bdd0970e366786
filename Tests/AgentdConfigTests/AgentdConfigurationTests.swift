import Foundation
import Testing

@testable import AgentdConfig

@Suite struct AgentdConfigurationTests {
    /// `Config/agentd.toml`, found from this file: Tests/AgentdConfigTests/ → package root.
    static let shippedFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("Config/agentd.toml")

    @Test func defaults() {
        let configuration = AgentdConfiguration()
        #expect(configuration.listen == HostPort(host: "127.0.0.1", port: 7420))
        #expect(configuration.redis == HostPort(host: "127.0.0.1", port: 6379))
        #expect(configuration.backend == .redis)
        #expect(configuration.admin == nil)
        #expect(configuration.logLevel == "info")
        #expect(configuration.logFormat == .text)
        #expect(configuration.maxFrameBytes == 1_048_576)
        #expect(configuration.maxConnections == 16_384)
        #expect(configuration.maxInFlightPerConnection == 128)
        #expect(configuration.maxOutboundBytes == 67_108_864)
        #expect(configuration.helloTimeoutMilliseconds == 10_000)
        #expect(configuration.idleTimeoutMilliseconds == 0)
        #expect(configuration.taskRetentionMilliseconds == 86_400_000)
        #expect(configuration.ackTimeoutMilliseconds == 30_000)
        #expect(configuration.maxDeliveries == 5)
        #expect(configuration.dedupWindowMilliseconds == 600_000)
        #expect(configuration.storeTimeoutMilliseconds == 2_000)
        #expect(configuration.drainTimeoutMilliseconds == 10_000)
        #expect(configuration.heartbeatIntervalMilliseconds == 30_000)
        #expect(configuration.heartbeatTimeoutMilliseconds == 90_000)
        #expect(configuration.taskTimeoutMilliseconds == 300_000)
        #expect(configuration.taskMaxRetries == 3)
        #expect(configuration.maxFetchLimit == 1_000)
        #expect(configuration.maxWaitMilliseconds == 30_000)
        #expect(configuration.maxPrefetch == 10_000)
        #expect(configuration.keyPrefix == "agentd")
        #expect(configuration.auditDirectory == nil)
        #expect(configuration.auditRetentionDays == 30)
        #expect(configuration.redisAuth == AgentdConfiguration.RedisAuth(password: nil, username: nil, database: 0))
        #expect(configuration.auth.mode == .none)
        #expect(configuration.auth.tokensFile == nil)
        #expect(configuration.tls == AgentdConfiguration.TLS())
        #expect(!configuration.tls.isEnabled)
        #expect(!configuration.tls.requireClientCert)
    }

    @Test func loadingNothingGivesTheDefaults() throws {
        #expect(try load() == AgentdConfiguration())
        #expect(try load("") == AgentdConfiguration())
    }

    @Test func shippedFileLoadsToExactlyTheDefaults() throws {
        let path = Self.shippedFile.path
        let configuration = try ConfigurationLoader.load(
            file: path,
            environment: [:],
            overrides: ConfigurationOverrides()
        )
        #expect(configuration == AgentdConfiguration())
    }

    @Test func shippedFileListsEveryKeyWithAComment() throws {
        let text = try String(contentsOf: Self.shippedFile, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var table: String?
        var listed: Set<String> = []
        for (index, line) in lines.enumerated() {
            if line.hasPrefix("[") {
                table = String(line.dropFirst().dropLast())
                continue
            }
            // `key = …`, or `# key = …` for a key left unset on purpose.
            let body = line.hasPrefix("# ") ? String(line.dropFirst(2)) : line
            guard let equals = body.range(of: " = ") else { continue }
            let key = String(body[..<equals.lowerBound])
            guard key.allSatisfy({ $0.isLetter || $0 == "_" }) else { continue }
            let name = table.map { "\($0).\(key)" } ?? key
            listed.insert(name)
            // The line above a setting explains it.
            let previous = index > 0 ? lines[index - 1] : ""
            #expect(previous.hasPrefix("#"), "\(name) has no comment above it")
        }
        #expect(listed == Set(ConfigurationKey.all.map(\.name)))
    }

    @Test func shippedFileKeepsHeartbeatTimeoutFollowingTheInterval() throws {
        let configuration = try ConfigurationLoader.load(
            file: Self.shippedFile.path,
            environment: ["AGENTD_HEARTBEAT_INTERVAL_MS": "10000"],
            overrides: ConfigurationOverrides()
        )
        #expect(configuration.heartbeatTimeoutMilliseconds == 30_000)
    }

    @Test func missingFileIsAnError() {
        #expect(throws: ConfigurationError("/nonexistent/agentd.toml: config file not found")) {
            try ConfigurationLoader.load(
                file: "/nonexistent/agentd.toml",
                environment: [:],
                overrides: ConfigurationOverrides()
            )
        }
    }

    @Test func errorsReportTheFilePathAsGiven() throws {
        let directory = FileManager.default.temporaryDirectory
        let file = directory.appendingPathComponent("agentd-config-test-\(UInt64.random(in: 0...UInt64.max)).toml")
        try "max_deliveries = \"five\"\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: ConfigurationError("\(file.path):1: max_deliveries: expected an integer, got \"five\"")) {
            try ConfigurationLoader.load(file: file.path, environment: [:], overrides: ConfigurationOverrides())
        }
    }
}
