/// Why the configuration could not be built.
///
/// The message is for a person and names where the bad value came from and what it was:
/// `agentd.toml:12: max_deliveries: expected an integer, got "five"` (file),
/// `AGENTD_MAX_DELIVERIES: expected an integer ≥ 1, got "0"` (environment),
/// `--listen: expected HOST:PORT, got "localhost"` (command line).
/// Secret values (the Redis password) are never quoted.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The full, one-line explanation.
    public var message: String

    /// Creates an error with the given message.
    /// - Parameter message: The full explanation, including where the value came from.
    public init(_ message: String) {
        self.message = message
    }

    /// Same as `message`, so the error prints well in logs and on stderr.
    public var description: String { self.message }
}
