import ArgumentParser

/// The role agentctl registers its agent with before a command that needs one
/// (`--as-role`). `none` skips registering: the agent keeps the role it already has.
///
/// Reading commands register as `supervisor` too, not `monitor`: a monitor may not
/// `deregister`, so the made-up `agentctl-<pid>` agent of every run would stay in the
/// registry for good; a supervisor's registration is removed again at the end.
enum RegistrationRole: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// May assign, cancel and broadcast, and sees every task.
    case supervisor
    /// Same rights as a supervisor.
    case coordinator
    /// Read-only: sees every task and any agent's dead letters; cannot deregister, so a
    /// made-up agent id registered as monitor stays listed (offline) after the run.
    case monitor
    /// The role of agents that do tasks; sees only its own.
    case worker
    /// Do not register.
    case none

    /// The role to register with, or nil for `none`.
    var wireRole: String? {
        self == .none ? nil : self.rawValue
    }

    /// Help text for `--as-role`, naming the command's default.
    static func help(defaultRole: RegistrationRole) -> ArgumentHelp {
        ArgumentHelp(
            """
            Register agentctl's agent with this role first (default: \(defaultRole.rawValue)); \
            none keeps the role the agent already has.
            """,
            valueName: "role"
        )
    }
}
