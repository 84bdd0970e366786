import AgentCore
import ArgumentParser

/// `agentctl resume ID --input JSON`: answers a task waiting in `input_required`.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Answer a task waiting for input (input_required); its worker receives the input.",
        discussion: """
            Registers as a supervisor first (see --as-role): the task's supervisor, or a \
            supervisor or coordinator, may resume it. The task goes back to its worker with \
            the time it had left. Prints "<task id> <state>". --json prints agentd's reply: \
            {"task": TaskInfo}.

            Examples:
              agentctl resume t-60ca7db8-7 --agent ops --input '{"approved": true}'
              agentctl resume t-60ca7db8-7 --agent ops --input yes
            """
    )

    @OptionGroup var target: TaskTarget

    @Option(name: .long, help: ArgumentHelp("The answer: JSON, @FILE, @- for stdin, or plain text.", valueName: "json"))
    var input: String

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let input = try JSONInput.value(self.input, option: "--input")
        let task = try await CommandSession.run(self.connection, role: self.target.asRole.wireRole) { client in
            try await client.resumeTask(self.target.id, input: input)
        }
        if self.connection.json {
            Output.json(["task": .object(task)])
        } else {
            Output.line("\(task.display("task_id")) \(task.display("state"))")
        }
    }
}
