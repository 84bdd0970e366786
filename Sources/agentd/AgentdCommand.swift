import AgentdConfig
import ArgumentParser
import Broker
import Foundation
import Logging

/// `agentd`: the command line of the contract ("Running agentd").
@main
struct AgentdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agentd",
        abstract: "A message broker for autonomous agents, on Redis Streams.",
        discussion: """
            Layers, weakest first: built-in defaults, the config file, AGENTD_* environment
            variables, these flags. Port 0 picks a free port; the ready line on stderr names it.
            """,
        version: Broker.version
    )

    @Option(name: .long, help: "Config file (TOML), e.g. Config/agentd.toml.")
    var config: String?

    @Option(name: .long, help: "Agent port, HOST:PORT (default 127.0.0.1:7420).")
    var listen: String?

    @Option(name: .long, help: "Redis address, HOST:PORT (default 127.0.0.1:6379).")
    var redis: String?

    @Option(name: .long, help: "Store backend: redis or memory (default redis).")
    var backend: String?

    @Option(name: .long, help: "Admin HTTP port, HOST:PORT (default off).")
    var admin: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    func run() async throws {
        let configuration: AgentdConfiguration
        do {
            configuration = try ConfigurationLoader.load(
                file: self.config,
                environment: ProcessInfo.processInfo.environment,
                overrides: ConfigurationOverrides(
                    listen: self.listen,
                    redis: self.redis,
                    backend: self.backend,
                    admin: self.admin,
                    logLevel: self.logLevel
                )
            )
        } catch {
            throw ValidationError("configuration: \(error.message)")
        }
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap(LogFormatBootstrap.factory(configuration.logFormat, level: level))
        try await Daemon(configuration: configuration, logger: Logger(label: "agentd")).run()
    }
}
