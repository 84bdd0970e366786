// swift-tools-version:6.0
import PackageDescription

// Dependency graph (the layers of the architecture):
//   agentd  → Broker → { AgentCore, AgentdAuth → AgentCore, RedisStreams → CHiredis,
//                        AgentdAudit → AgentCore }; agentd → { AgentdSystemd, AgentdLogging } (operations)
//   agentd  → AgentdConfig (the file, the environment, the flags; agentd maps them onto each part)
//   agentd  → AgentdAdmin → Broker (the admin HTTP port: probes, /metrics, /api/*, dashboard)
//   AgentCore is the wire contract as Swift values: no NIO, no Redis.
let package = Package(
    name: "agentd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "agentd", targets: ["agentd"]),
        .library(name: "AgentCore", targets: ["AgentCore"]),
        .library(name: "AgentdClient", targets: ["AgentdClient"]),
        .executable(name: "agentd-bench", targets: ["agentd-bench"]),
        .executable(name: "agentctl", targets: ["agentctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"4.0.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // X509: reads the subject of a client certificate (mutual TLS names the agent).
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(name: "AgentCore"),
        .target(name: "AgentdConfig"),
        .target(
            name: "AgentdAuth",
            // AgentCore for its JSON parser (the tokens file) and the role names.
            dependencies: ["AgentCore", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AgentdClient",
            dependencies: [
                "AgentCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // Daily JSONL audit files, written off the hot path (docs/operations.md).
        .target(
            name: "AgentdAudit",
            dependencies: [
                "AgentCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // sd_notify over NIO: READY, STOPPING, WATCHDOG, STATUS (no libsystemd, no unsafe code).
        .target(
            name: "AgentdSystemd",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The `log_format = json` handler: one JSON object per log record on stderr.
        .target(
            name: "AgentdLogging",
            dependencies: [
                "AgentCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .target(
            name: "RedisStreams",
            dependencies: [
                "CHiredis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Broker",
            dependencies: [
                "AgentCore",
                "AgentdAudit",
                "AgentdAuth",
                "RedisStreams",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // The admin HTTP port: probes, Prometheus metrics, JSON views and the dashboard page.
        .target(
            name: "AgentdAdmin",
            dependencies: [
                "Broker",
                "AgentCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "agentd",
            dependencies: [
                "Broker",
                "RedisStreams",
                "AgentdAdmin",
                "AgentdAudit",
                "AgentdSystemd",
                "AgentdLogging",
                "AgentdAuth",
                "AgentdConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        // The operator CLI: one file per subcommand, on top of the client library.
        // NIOCore only for `TimeAmount`, the client's duration type.
        .executableTarget(
            name: "agentctl",
            dependencies: [
                "AgentdClient",
                "AgentCore",
                "AgentdAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Load generator for scripts/bench.sh (docs/performance.md): raw NIO connections.
        .executableTarget(
            name: "agentd-bench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(name: "AgentCoreTests", dependencies: ["AgentCore"]),
        .testTarget(name: "AgentdConfigTests", dependencies: ["AgentdConfig"]),
        .testTarget(
            name: "RedisStreamsTests",
            dependencies: [
                "RedisStreams",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AgentdAuditTests",
            dependencies: ["AgentdAudit", "AgentCore", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "AgentdSystemdTests",
            dependencies: [
                "AgentdSystemd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AgentdLoggingTests",
            dependencies: [
                "AgentdLogging",
                "AgentCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "AgentdAuthTests", dependencies: ["AgentdAuth", "AgentCore"]),
        .testTarget(
            name: "AgentdClientTests",
            dependencies: [
                "AgentdClient",
                "AgentCore",
                "AgentdConfig",
                "Broker",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "AgentdAdminTests",
            dependencies: [
                "AgentdAdmin",
                "Broker",
                "AgentCore",
                "AgentdAuth",
                "AgentdConfig",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "BrokerTests",
            dependencies: [
                "Broker",
                "AgentdAudit",
                "AgentCore",
                "AgentdConfig",
                // The TLS tests speak to a real BrokerServer through the client library.
                "AgentdClient",
                "RedisStreams",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
