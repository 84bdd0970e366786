import ArgumentParser
import Foundation

/// `agentctl`: the operator's command line for agentd.
@main
struct Agentctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agentctl",
        abstract: "Talk to agentd from a shell: send and read messages, manage tasks, check health.",
        discussion: """
            Every subcommand connects, says hello as an agent, does its requests and leaves. \
            Common options (on every subcommand): --server HOST:PORT, --agent ID, --token, \
            --json. Defaults come from the environment:
              AGENTD_SERVER   agentd's address, or a comma list (else 127.0.0.1:7420)
              AGENTD_AGENT    the agent id to say hello as (else agentctl-<pid>)
              AGENTD_TOKEN    the token sent in hello

            Several daemons (of one Redis): repeat --server or give a comma list \
            (--server 10.0.0.5:7420,10.0.0.6:7420, IPv6 as [::1]:7420). A command tries them \
            in order until one answers; `tail` moves to the next when its daemon goes away.

            Commands that need a role (assign, cancel, broadcast, task, tasks, dead-letters \
            --for) register the agent as a supervisor first (--as-role); the made-up \
            agentctl-<pid> agent is deregistered again at the end. When --agent names an agent \
            that is already registered, --as-role none keeps its registration as it is.

            Output is for people by default (aligned tables, one line per message); --json \
            prints one JSON object per result, shaped like agentd's reply (tail: one per message).

            Exit status:
              0  ok
              1  agentd answered with an error (stderr: "error: <code>: <message>")
              2  usage error (bad flag or value, bad JSON, unusable TLS files)
              3  could not connect to agentd (TLS handshake included), or the connection was lost
              4  `health`: agentd is degraded (its store is down)

            `token` makes an agent token and its tokens-file line (no connection needed). \
            --tls speaks TLS (--ca-file: the CA agentd's certificate chains to); --cert-file and \
            --key-file present a client certificate for mutual TLS, whose CN must be --agent.

            Examples:
              agentctl health
              agentctl send worker-1 --type task_request --content '{"job":"summarise"}'
              agentctl tail --agent worker-1
              agentctl agents --available
              agentctl assign --agent ops --type transcode --capabilities gpu
              agentctl tasks --state pending
            Run `agentctl help <subcommand>` for each one's options and examples.
            """,
        subcommands: [
            SendCommand.self,
            TailCommand.self,
            FetchCommand.self,
            AckCommand.self,
            AgentsCommand.self,
            TasksCommand.self,
            TaskCommand.self,
            AssignCommand.self,
            CancelCommand.self,
            ResumeCommand.self,
            RequestCommand.self,
            BroadcastCommand.self,
            StatsCommand.self,
            HealthCommand.self,
            DeadLettersCommand.self,
            TokenCommand.self,
        ]
    )

    /// ArgumentParser's usage errors start `error: ` like agentctl's own (its default is
    /// `Error: `), so every failure line on stderr reads alike.
    static var _errorPrefix: String { "error: " }

    /// No subcommand: a usage error (exit 2) rather than ArgumentParser's help with
    /// status 0, so a script that lost its subcommand fails.
    func run() async throws {
        throw CommandFailure(status: .usage, message: Self.helpMessage())
    }

    /// Parses, runs, and exits with the status of ``ExitStatus``.
    ///
    /// ArgumentParser's own `main` would exit 64 for usage errors and 1 for any other
    /// error; scripts need the statuses documented above, so the mapping is done here.
    static func main() async {
        let status: ExitStatus
        do {
            var command = try Self.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            status = .ok
        } catch let failure as CommandFailure {
            if let message = failure.message {
                Output.note(message)
            }
            status = failure.status
        } catch {
            // ArgumentParser's errors: help and --version (exit 0), or a usage error.
            let code = Self.exitCode(for: error)
            let text = Self.fullMessage(for: error)
            if code == .success {
                Output.line(text)
                status = .ok
            } else {
                Output.note(text)
                status = .usage
            }
        }
        // `exit` alone would name ParsableCommand's `exit(withError:)`.
        Foundation.exit(status.rawValue)
    }
}
