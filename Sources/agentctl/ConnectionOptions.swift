import AgentdClient
import ArgumentParser
import Foundation

/// The options every subcommand takes: where agentd is, who to be, how to print.
///
/// Each default comes from the environment first (`AGENTD_SERVER`, `AGENTD_AGENT`,
/// `AGENTD_TOKEN`), so a shell can set them once for many commands. `--server` and
/// `AGENTD_SERVER` may name several daemons (of one Redis): a command uses the first that
/// answers.
struct ConnectionOptions: ParsableArguments {
    /// The address used when neither `--server` nor `AGENTD_SERVER` says otherwise.
    static let defaultServer = "127.0.0.1:7420"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "agentd's address; repeat it or give a comma list for several daemons, tried in order (default: $AGENTD_SERVER, else \(Self.defaultServer)).",
            valueName: "host:port"
        )
    )
    var server: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The agent id to say hello as (default: $AGENTD_AGENT, else agentctl-<pid>).",
            valueName: "id"
        )
    )
    var agent: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Token sent in hello (default: $AGENTD_TOKEN; prefer the variable, flags show up in ps).",
            valueName: "token"
        )
    )
    var token: String?

    @Flag(name: .long, help: "Machine output: one JSON object per result, shaped like agentd's reply.")
    var json = false

    @Flag(name: .long, help: "Connect with TLS, trusting the system's CAs unless --ca-file says otherwise.")
    var tls = false

    @Option(
        name: .customLong("ca-file"),
        help: ArgumentHelp("PEM CA bundle agentd's certificate must chain to (implies --tls).", valueName: "file")
    )
    var caFile: String?

    @Option(
        name: .customLong("cert-file"),
        help: ArgumentHelp("PEM client certificate for mutual TLS; its CN must be --agent (implies --tls).", valueName: "file")
    )
    var certFile: String?

    @Option(name: .customLong("key-file"), help: ArgumentHelp("PEM private key of --cert-file.", valueName: "file"))
    var keyFile: String?

    @Option(
        name: .customLong("server-name"),
        help: ArgumentHelp("The name agentd's certificate must carry (default: the host of --server).", valueName: "name")
    )
    var serverName: String?

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The agent id for hello, and whether agentctl made it up (then it is this run's alone,
    /// so a registration made for it is removed again at the end).
    var agentID: (id: String, generated: Bool) {
        if let agent = self.agent ?? self.environment["AGENTD_AGENT"], !agent.isEmpty {
            return (agent, false)
        }
        return ("agentctl-\(ProcessInfo.processInfo.processIdentifier)", true)
    }

    /// The token for hello, if any.
    var resolvedToken: String? {
        if let token = self.token ?? self.environment["AGENTD_TOKEN"], !token.isEmpty {
            return token
        }
        return nil
    }

    /// The TLS settings, or nil for plain TCP.
    ///
    /// - Throws: ``CommandFailure`` (exit 2) for a certificate without its key or the reverse.
    func clientTLS() throws(CommandFailure) -> ClientTLS? {
        guard self.tls || self.caFile != nil || self.certFile != nil || self.keyFile != nil || self.serverName != nil else {
            return nil
        }
        guard (self.certFile == nil) == (self.keyFile == nil) else {
            throw .usage("--cert-file and --key-file go together (mutual TLS needs both)")
        }
        return ClientTLS(caFile: self.caFile, certificateFile: self.certFile, keyFile: self.keyFile, serverName: self.serverName)
    }

    /// The addresses to try, in order: every `--server` (each may be a comma list), else
    /// `AGENTD_SERVER` (a comma list too), else the default.
    ///
    /// - Throws: ``CommandFailure`` (exit 2) when an address is bad.
    func addresses() throws(CommandFailure) -> [ServerAddress] {
        var entries = CommaList.split(self.server)
        if entries.isEmpty, let variable = self.environment["AGENTD_SERVER"] {
            entries = CommaList.split([variable])
        }
        if entries.isEmpty {
            entries = [Self.defaultServer]
        }
        var addresses: [ServerAddress] = []
        for text in entries {
            guard let address = ServerAddress(text) else {
                throw .usage("bad server address '\(text)': expected HOST:PORT")
            }
            addresses.append(address)
        }
        return addresses
    }
}
