import AgentCore
import AgentdClient
import ArgumentParser

/// `agentctl request TO --content JSON`: sends a message and waits for the correlated reply.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Send a message and wait for its reply (request/reply, correlated by correlation_id).",
        discussion: """
            agentd sends the message as send does, with reply_to set to --agent and a \
            correlation_id (yours with --correlation-id, or one it makes up), then waits for \
            the first message to --agent carrying that correlation_id. Prints the reply as \
            fetch prints a message; with nothing in time, prints "timed out" and exits 1. \
            --json prints agentd's reply: {"message_id", "reply"} (reply null and \
            "timed_out": true when nothing came).

            Examples:
              agentctl request tool-calc --agent ops --content '{"a":6,"b":7}' --timeout 5s
              agentctl request planner --agent ops --type task_request --content @q.json --json
            """
    )

    @Argument(help: ArgumentHelp("The recipient's agent id.", valueName: "to"))
    var to: String

    @Option(name: .long, help: "message_type (default task_request).")
    var type = "task_request"

    @Option(name: .long, help: ArgumentHelp("content, a JSON object, or @FILE, or @- for stdin.", valueName: "json"))
    var content = "{}"

    @Option(name: .long, help: "low, medium (agentd's default), high or critical.")
    var priority: Priority?

    @Option(name: .customLong("correlation-id"), help: ArgumentHelp("Your own correlation id.", valueName: "id"))
    var correlationID: String?

    @Option(name: .long, help: ArgumentHelp("A W3C trace context to carry.", valueName: "traceparent"))
    var traceparent: String?

    @Option(name: .long, help: ArgumentHelp("How long to wait for the reply (agentd's default 30s).", valueName: "duration"))
    var timeout: DurationArgument?

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func run() async throws {
        let content = try JSONInput.object(self.content, option: "--content")
        let answer = try await CommandSession.run(self.connection) { client in
            try await client.requestReply(
                to: self.to,
                type: self.type,
                content: .object(content),
                priority: self.priority?.rawValue,
                correlationID: self.correlationID,
                traceparent: self.traceparent,
                timeout: self.timeout?.timeAmount
            )
        }
        if self.connection.json {
            var reply: JSONObject = ["message_id": .string(answer.messageID)]
            reply["reply"] = answer.reply.map { .object($0.object) } ?? .null
            if answer.reply == nil { reply["timed_out"] = .bool(true) }
            Output.json(reply)
        } else if let message = answer.reply {
            Output.line(MessageLine.format(message))
        } else {
            Output.line("timed out")
        }
        if answer.reply == nil {
            // Said on stdout already; exit 1 like any request agentd could not satisfy.
            throw CommandFailure(status: .serverError, message: nil)
        }
    }
}
