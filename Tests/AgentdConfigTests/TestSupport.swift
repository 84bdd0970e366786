import AgentdConfig

/// Loads from text with the test's file name `agentd.toml`, so messages read like real ones.
func load(
    _ toml: String? = nil,
    environment: [String: String] = [:],
    flags: ConfigurationOverrides = ConfigurationOverrides()
) throws(ConfigurationError) -> AgentdConfiguration {
    try ConfigurationLoader.load(fileContents: toml, fileName: "agentd.toml", environment: environment, overrides: flags)
}

/// The error message loading produces, or nil when it loads.
func loadError(
    _ toml: String? = nil,
    environment: [String: String] = [:],
    flags: ConfigurationOverrides = ConfigurationOverrides()
) -> String? {
    do {
        _ = try load(toml, environment: environment, flags: flags)
        return nil
    } catch {
        return error.message
    }
}
