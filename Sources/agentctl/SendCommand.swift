import AgentCore
import ArgumentParser

/// `agentctl send`: stores one message for an agent.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message to an agent.",
        discussion: """
            Prints the message id once agentd has stored the message. The recipient need not \
            be connected or registered. A --message-id sent again by the same agent within \
            agentd's dedup window is stored once ("duplicate" is noted on stderr; with --json, \
            "duplicate": true): give retries a fixed --agent, as agentctl-<pid> differs per run.

            Examples:
              agentctl send worker-1 --type task_request --content '{"job":"summarise"}'
              agentctl send planner --content @report.json --priority high
              echo '{"ping":1}' | agentctl send worker-1 --content @- --agent ops --message-id once-42
              agentctl send worker-1 --ttl 30s --delay 500ms --json
            """
    )

    @Argument(help: ArgumentHelp("The recipient's agent id.", valueName: "to"))
    var to: String

    @Option(name: .long, help: "message_type: task_request, task_response, status_update, heartbeat, error_report, coordination.")
    var type = "status_update"

    @Option(name: .long, help: ArgumentHelp("content, a JSON object, or @FILE, or @- for stdin.", valueName: "json"))
    var content = "{}"

    @Option(name: .long, help: "low, medium (agentd's default), high or critical.")
    var priority: Priority?

    @Option(name: .customLong("message-id"), help: ArgumentHelp("Your own message id, for dedup on retries.", valueName: "id"))
    var messageID: String?

    @Option(name: .long, help: ArgumentHelp("Drop the message if not delivered within this (30s, 5m, …).", valueName: "duration"))
    var ttl: DurationArgument?

    @Option(name: .long, help: ArgumentHelp("Deliver no sooner than this from now.", valueName: "duration"))
    var delay: DurationArgument?

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let content = try JSONInput.object(self.content, option: "--content")
        let sent = try await CommandSession.run(self.connection) { client in
            try await client.send(
                to: self.to,
                type: self.type,
                content: .object(content),
                priority: self.priority?.rawValue,
                messageID: self.messageID,
                ttl: self.ttl?.timeAmount,
                delay: self.delay?.timeAmount
            )
        }
        if self.connection.json {
            var reply: JSONObject = ["message_id": .string(sent.messageID)]
            if sent.duplicate { reply["duplicate"] = .bool(true) }
            Output.json(reply)
            return
        }
        Output.line(sent.messageID)
        if sent.duplicate {
            Output.note("note: duplicate of an earlier send with this message id; stored once")
        }
    }
}
