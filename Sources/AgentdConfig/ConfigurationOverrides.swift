/// The command-line flags of the contract (`--listen`, `--redis`, `--backend`, `--admin`,
/// `--log-level`), the last and strongest layer. `nil` = flag not given.
///
/// Values are the flags' raw text; `ConfigurationLoader` validates them like any other layer,
/// so a bad flag is reported as `--listen: expected HOST:PORT, …`.
public struct ConfigurationOverrides: Sendable, Equatable {
    /// `--listen HOST:PORT`.
    public var listen: String?
    /// `--redis HOST:PORT`.
    public var redis: String?
    /// `--backend redis|memory`.
    public var backend: String?
    /// `--admin HOST:PORT`; an empty string turns the admin port off.
    public var admin: String?
    /// `--log-level LEVEL`.
    public var logLevel: String?

    /// Creates overrides; every flag defaults to "not given".
    public init(
        listen: String? = nil,
        redis: String? = nil,
        backend: String? = nil,
        admin: String? = nil,
        logLevel: String? = nil
    ) {
        self.listen = listen
        self.redis = redis
        self.backend = backend
        self.admin = admin
        self.logLevel = logLevel
    }
}
