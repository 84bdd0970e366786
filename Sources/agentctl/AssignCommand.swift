import AgentCore
import AgentdClient
import ArgumentParser

/// `agentctl assign`: creates a task for the best capable worker.
struct AssignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Assign a task to the best available worker holding the capabilities.",
        discussion: """
            agentctl registers its agent as a supervisor first (see --as-role): only \
            supervisors and coordinators may assign. The task's supervisor is --agent, and the \
            worker's reports go to its inbox, so name a lasting one (the made-up default \
            agentctl-<pid> is gone when agentctl ends) and read them with fetch or tail. \
            Prints "<task id> assigned to <worker>", or "<task id> pending" when no worker \
            is available yet (agentd assigns it as soon as one is). --json prints agentd's \
            reply: {"task_id", "state", "assigned_to"}.

            Examples:
              agentctl assign --agent ops --type transcode --capabilities gpu \\
                --parameters '{"file":"v.mp4"}' --priority high --timeout 10m --retries 2
              agentctl assign --agent ops --type research --capabilities llm \\
                --budget '{"tokens":20000,"cost_usd":0.5}' --lease 30s --idempotency-key research-42
              agentctl assign --agent ops --type ocr --capabilities ocr --description "scan 7" --json
              agentctl tail --agent ops     # the worker's task_response reports
            """
    )

    @Option(name: .long, help: ArgumentHelp("task_type, free text the workers understand.", valueName: "type"))
    var type: String

    @Option(
        name: .long,
        parsing: .singleValue,
        help: ArgumentHelp("Capabilities the worker must hold (comma-separated, may repeat).", valueName: "list")
    )
    var capabilities: [String] = []

    @Option(name: .long, help: "A description for people.")
    var description: String?

    @Option(name: .long, help: ArgumentHelp("parameters, a JSON object, or @FILE, or @- for stdin.", valueName: "json"))
    var parameters: String?

    @Option(name: .long, help: "low, medium (agentd's default), high or critical.")
    var priority: Priority?

    @Option(name: .long, help: ArgumentHelp("Deadline per attempt (agentd's default 5m).", valueName: "duration"))
    var timeout: DurationArgument?

    @Option(name: .long, help: "Retries after a failed or timed-out attempt (agentd's default 3).")
    var retries: Int?

    @Option(name: .long, help: ArgumentHelp("The worker must report at least this often (lease_ms).", valueName: "duration"))
    var lease: DurationArgument?

    @Option(name: .long, help: ArgumentHelp("budget, a JSON object {tokens?, cost_usd?, turns?}, or @FILE.", valueName: "json"))
    var budget: String?

    @Option(name: .customLong("idempotency-key"), help: ArgumentHelp("Assigning again with this key returns the same task.", valueName: "key"))
    var idempotencyKey: String?

    @Option(name: .long, help: ArgumentHelp("Make it a sub-task of this task (parent_task_id).", valueName: "id"))
    var parent: String?

    @Option(name: .customLong("as-role"), help: RegistrationRole.help(defaultRole: .supervisor))
    var asRole: RegistrationRole = .supervisor

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let parameters = try self.parameters.map { argument throws(CommandFailure) in
            try JSONInput.object(argument, option: "--parameters")
        }
        let budget = try self.budget.map { argument throws(CommandFailure) in
            try JSONInput.object(argument, option: "--budget")
        }
        let options = TaskOptions(
            leaseMilliseconds: self.lease.map { Int($0.timeAmount.nanoseconds / 1_000_000) },
            budget: budget,
            idempotencyKey: self.idempotencyKey,
            parentTaskID: self.parent
        )
        let agent = self.connection.agentID
        if agent.generated && !self.connection.json {
            Output.note("note: reports go to \(agent.id)'s inbox, which nobody reads after this run; use --agent")
        }
        let reply = try await CommandSession.run(self.connection, role: self.asRole.wireRole) { client in
            try await client.assignTask(
                type: self.type,
                requiredCapabilities: CommaList.split(self.capabilities),
                description: self.description,
                parameters: parameters,
                priority: self.priority?.rawValue,
                timeout: self.timeout?.timeAmount,
                maxRetries: self.retries,
                options: options
            )
        }
        var result = reply
        result["id"] = nil
        result["ok"] = nil
        if self.connection.json {
            Output.json(result)
        } else if let worker = result["assigned_to"]?.stringValue {
            Output.line("\(result.display("task_id")) \(result.display("state")) to \(worker)")
        } else {
            Output.line("\(result.display("task_id")) \(result.display("state"))")
            Output.note("no available worker holds the capabilities yet; agentd assigns the task when one does")
        }
    }
}
