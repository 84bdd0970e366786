import AgentCore
import AgentdAuth
import ArgumentParser

/// `agentctl token`: makes a token for an agent, and the line for agentd's tokens file.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make a new agent token and print its tokens-file entry.",
        discussion: """
            Needs no agentd. Prints the token (give it to the agent, e.g. as AGENTD_TOKEN) and \
            the entry for the tokens file (auth.tokens_file), which holds only the token's \
            SHA-256: {"agent": ..., "token_sha256": ..., "roles": [...]}. The token is shown \
            once; agentd cannot tell it to you again. --json prints both in one object.

            Examples:
              agentctl token worker-7 --roles worker
              agentctl token 'worker-*' --roles worker        # one token for a pool
              agentctl token boss --roles supervisor,monitor --json
              agentctl token ci --token-value "$EXISTING"    # hash a token you already have
            """
    )

    @Argument(help: ArgumentHelp("The agent id, or a pattern such as worker-*.", valueName: "agent"))
    var agent: String

    @Option(help: ArgumentHelp("Roles the agent may register as, comma-separated (repeatable).", valueName: "roles"))
    var roles: [String]

    @Option(name: .customLong("token-value"), help: ArgumentHelp("Use this token instead of making a random one.", valueName: "token"))
    var tokenValue: String?

    @Flag(help: #"Print one JSON object: {"token": ..., "entry": {...}}."#)
    var json = false

    func validate() throws {
        let known = ["worker", "supervisor", "coordinator", "monitor"]
        guard !CommaList.split(self.roles).isEmpty else {
            throw ValidationError("--roles needs at least one role")
        }
        for role in CommaList.split(self.roles) where !known.contains(role) {
            throw ValidationError("--roles: unknown role \(role) (one of \(known.joined(separator: ", ")))")
        }
        if let tokenValue = self.tokenValue, tokenValue.isEmpty {
            throw ValidationError("--token-value must not be empty")
        }
    }

    func run() throws {
        let token = self.tokenValue ?? AgentToken.generate()
        let entry: JSONObject = [
            "agent": .string(self.agent),
            "token_sha256": .string(AgentToken.sha256Hex(token)),
            "roles": .array(CommaList.split(self.roles).map(JSONValue.string)),
        ]
        if self.json {
            Output.json(["token": .string(token), "entry": .object(entry)])
        } else {
            Output.line("token: \(token)")
            Output.line("tokens file entry: \(JSONValue.object(entry).jsonString)")
        }
    }
}
