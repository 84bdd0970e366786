import ArgumentParser

/// `agentctl dead-letters`: the messages that ran out of delivery attempts.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List or requeue messages that ran out of delivery attempts.",
        discussion: """
            An agent sees its own dead letters: `--agent worker-1` says hello as worker-1. \
            To look at another agent's as an operator, name it with --for; agentctl then \
            registers as a supervisor first.

            Examples:
              agentctl dead-letters list --agent worker-1
              agentctl dead-letters list --for worker-1 --json
              agentctl dead-letters requeue --for worker-1 m-5f0c1a2b-17 m-5f0c1a2b-18
            """,
        subcommands: [DeadLettersListCommand.self, DeadLettersRequeueCommand.self]
    )

    /// No verb: a usage error (exit 2) rather than ArgumentParser's help with status 0,
    /// so a script that lost its verb fails.
    func run() async throws {
        throw CommandFailure(status: .usage, message: Self.helpMessage())
    }
}
