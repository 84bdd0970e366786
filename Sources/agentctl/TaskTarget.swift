import ArgumentParser

/// The task a `task` or `cancel` subcommand is about, and the role it registers with first.
struct TaskTarget: ParsableArguments {
    @Argument(help: ArgumentHelp("The task id.", valueName: "id"))
    var id: String

    @Option(name: .customLong("as-role"), help: RegistrationRole.help(defaultRole: .supervisor))
    var asRole: RegistrationRole = .supervisor
}
