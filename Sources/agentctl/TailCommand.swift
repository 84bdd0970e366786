import AgentCore
import AgentdClient
import ArgumentParser

/// `agentctl tail`: subscribes and prints each message agentd pushes.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print messages as they arrive for an agent, until interrupted or --count.",
        discussion: """
            Subscribes as --agent and prints one line per pushed message (as fetch does), \
            acking each once it is printed. Ctrl-C (or SIGTERM) ends it with exit status 0. \
            If agentd goes away, it ends with exit status 3.

            With several servers (--server a:7420,b:7420), tail moves to the next one when \
            its daemon dies or stops, subscribes there again and keeps going; it ends with \
            exit status 3 only when no server answers. Messages it had printed but not yet \
            acked on the lost daemon come again (attempt + 1) once that daemon's lease runs out.

            tail takes messages from the agent's inbox like any of the agent's connections: \
            run it against a live agent and the two share the messages. With --no-ack it only \
            looks: what it printed is delivered again (attempt + 1) when it ends, or after \
            agentd's ack timeout. --json prints each message as one JSON object per line.

            Examples:
              agentctl tail --agent worker-1
              agentctl tail --agent planner --count 1 --json
              agentctl tail --agent worker-1 --no-ack | grep task_request
              agentctl tail --agent worker-1 --server 10.0.0.5:7420,10.0.0.6:7420
            """
    )

    /// How many unacked pushes agentd may have out to an endless tail: enough to keep
    /// a busy inbox streaming without a round trip per message.
    static let streamingPrefetch = 100

    @Option(name: .long, help: "Stop after this many messages.")
    var count: Int?

    @Flag(name: .customLong("no-ack"), help: "Do not ack: print only; the messages stay in the inbox.")
    var noAck = false

    @OptionGroup(title: "Common options") var connection: ConnectionOptions

    func validate() throws {
        if let count, count < 1 {
            throw ValidationError("--count must be at least 1")
        }
    }

    func run() async throws {
        let interrupt = InterruptSignal()
        let json = self.connection.json
        try await CommandSession.run(self.connection, failover: true) { client in
            interrupt.onSignal { Task { await client.close() } }
            defer { interrupt.stop() }
            do {
                try await Self.retrying { try await client.subscribe(prefetch: self.prefetch) }
                let ended = try await self.stream(client, json: json)
                if !ended && !interrupt.raised {
                    throw CommandFailure.unreachable("connection to agentd lost")
                }
            } catch {
                // Closing the connection is how an interrupt stops a waiting request.
                guard interrupt.raised else { throw error }
            }
        }
    }

    /// With --count, ask for no more than is wanted: pushes beyond it would only be released
    /// again at the end, each costing the message one delivery attempt. Acking, one at a
    /// time keeps it exact (the next push waits for the ack); not acking, `count` at once.
    private var prefetch: Int {
        guard let count else { return Self.streamingPrefetch }
        return self.noAck ? min(count, 10_000) : 1
    }

    /// Prints pushed messages; true when --count was reached, false when the stream ended.
    private func stream(_ client: AgentdClient, json: Bool) async throws -> Bool {
        var printed = 0
        for await message in client.pushedMessages {
            if json {
                Output.json(message.object)
            } else {
                Output.line(MessageLine.format(message))
            }
            printed += 1
            let last = printed == self.count
            do {
                if last {
                    // Stop the pushes before the ack frees a prefetch slot, so no further
                    // message is handed to this connection only to be released again.
                    try await client.unsubscribe()
                }
                if !self.noAck {
                    try await client.ack([message.messageID])
                }
            } catch let error as AgentdClientError where error.isRetryable {
                // The daemon went away under the ack; the client moved on. The message is
                // not in flight on the new daemon, so an ack there would do nothing: it
                // comes again (attempt + 1) once the lost daemon's lease runs out.
            }
            if last { return true }
        }
        return false
    }

    /// Runs `body` again (three times at most) while it fails because the connection was
    /// replaced under it.
    private static func retrying(_ body: () async throws -> Void) async throws {
        for _ in 1..<3 {
            do {
                return try await body()
            } catch let error as AgentdClientError where error.isRetryable {
                continue
            }
        }
        try await body()
    }
}
