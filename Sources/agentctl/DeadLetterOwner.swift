import ArgumentParser

/// Whose dead letters a `dead-letters` subcommand reads or requeues, and the role that takes.
struct DeadLetterOwner: ParsableArguments {
    @Option(name: .customLong("for"), help: ArgumentHelp("Another agent's dead letters (needs a role, see --as-role).", valueName: "id"))
    var owner: String?

    @Option(
        name: .customLong("as-role"),
        help: ArgumentHelp(
            "Register with this role first (default: supervisor with --for, else none).",
            valueName: "role"
        )
    )
    var asRole: RegistrationRole?

    /// One's own dead letters need no role; another agent's need supervisor (or what
    /// --as-role says).
    var role: RegistrationRole {
        self.asRole ?? (self.owner == nil ? .none : .supervisor)
    }
}
