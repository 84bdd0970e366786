import Foundation

/// Builds `AgentdConfiguration` from its layers, weakest first:
///
///     defaults  <  config file  <  environment (AGENTD_*, then aliases below them)  <  flags
///
/// A key set in a stronger layer replaces the weaker one's value; keys a layer does not
/// mention keep the value from below. `heartbeat_timeout_ms` defaults to 3 × the final
/// `heartbeat_interval_ms` unless some layer sets it.
public enum ConfigurationLoader {
    /// Builds the configuration: defaults, then the file (if path given), then `environment`,
    /// then `overrides`.
    /// - Parameters:
    ///   - file: Path of a TOML config file (`--config`); nil = no file, defaults plus the rest.
    ///   - environment: Usually `ProcessInfo.processInfo.environment`.
    ///   - overrides: The command-line flags.
    /// - Returns: The validated configuration.
    /// - Throws: `ConfigurationError` naming the file and line, variable or flag, and the bad value.
    public static func load(
        file: String?,
        environment: [String: String],
        overrides: ConfigurationOverrides
    ) throws(ConfigurationError) -> AgentdConfiguration {
        let contents = try file.map { (path) throws(ConfigurationError) in try self.read(path) }
        return try self.load(fileContents: contents, fileName: file ?? "", environment: environment, overrides: overrides)
    }

    /// Same as `load(file:environment:overrides:)`, from file text (for tests).
    /// - Parameters:
    ///   - fileContents: The TOML text; nil = no file.
    ///   - fileName: How error messages name the file (`agentd.toml:12: …`).
    ///   - environment: The environment variables.
    ///   - overrides: The command-line flags.
    /// - Returns: The validated configuration.
    /// - Throws: `ConfigurationError` naming the file and line, variable or flag, and the bad value.
    public static func load(
        fileContents: String?,
        fileName: String,
        environment: [String: String],
        overrides: ConfigurationOverrides
    ) throws(ConfigurationError) -> AgentdConfiguration {
        var builder = ConfigurationBuilder()
        if let fileContents {
            try builder.applyFile(fileContents, fileName: fileName)
        }
        try builder.applyEnvironment(environment)
        try builder.applyOverrides(overrides)
        return try builder.finish()
    }

    /// Every environment variable agentd reads: one `AGENTD_*` per key, then the aliases.
    /// For `--help` and documentation.
    public static var environmentVariables: [String] {
        ConfigurationKey.all.map(\.environmentVariable) + EnvironmentAlias.all.map(\.variable)
    }

    private static func read(_ path: String) throws(ConfigurationError) -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ConfigurationError("\(path): config file not found")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(path): cannot read the config file (permissions?)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigurationError("\(path): the config file is not valid UTF-8")
        }
        return text
    }
}
