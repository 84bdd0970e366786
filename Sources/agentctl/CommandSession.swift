import AgentCore
import AgentdClient
import NIOCore

/// One subcommand's conversation with agentd: connect, `hello`, `register` when the
/// command needs a role, the command's own requests, then `bye`.
enum CommandSession {
    /// How long to wait for the TCP connection before giving up with exit 3: long enough
    /// for a loaded server across a WAN, short enough that a script notices a dead host.
    static let connectTimeout: TimeAmount = .seconds(5)

    /// Runs `body` on a connection that has said hello (and registered as `role`).
    ///
    /// The servers of `--server` are tried in order, once each, until one answers (a
    /// refused `hello`, `overloaded`, moves on too).
    ///
    /// - Parameters:
    ///   - options: the common options (addresses, agent id, token).
    ///   - role: the role to register with first; nil to not register.
    ///   - failover: move to the next server when the one in use goes away (for `tail`);
    ///     otherwise a lost connection ends the command.
    ///   - body: the command's requests.
    /// - Returns: what `body` returns.
    /// - Throws: ``CommandFailure``: exit 2 for a bad address or TLS, 3 when agentd cannot
    ///   be reached or the connection ends, 1 when agentd answers with an error.
    static func run<Result>(
        _ options: ConnectionOptions,
        role: String? = nil,
        failover: Bool = false,
        _ body: (AgentdClient) async throws -> Result
    ) async throws(CommandFailure) -> Result {
        let servers = try options.addresses()
        let tls = try options.clientTLS()
        let client: AgentdClient
        do {
            client = try await AgentdClient.connect(
                servers: servers,
                failover: Self.failover(servers: servers.count, reconnect: failover),
                tls: tls,
                connectTimeout: Self.connectTimeout
            )
        } catch AgentdClientError.tlsSetup(let detail) {
            throw .usage("TLS settings: \(detail)")
        } catch {
            throw CommandFailure.from(error)
        }
        let agent = options.agentID
        var registered = false
        do {
            try await Self.hello(client, agent: agent.id, token: options.resolvedToken, attempts: servers.count)
            if let role {
                try await client.register(role: role, capabilities: [], metadata: ["registered_by": "agentctl"])
                registered = true
            }
            let result = try await body(client)
            await Self.leave(client, deregister: registered && agent.generated)
            return result
        } catch {
            await Self.leave(client, deregister: registered && agent.generated)
            throw CommandFailure.from(error)
        }
    }

    /// One round over the servers for a command; for `tail` with several servers, the
    /// client's defaults (it keeps going while any daemon is left, within 30 s per
    /// failover). `tail` with one server ends when it goes away, as it always did.
    static func failover(servers: Int, reconnect: Bool) -> FailoverConfiguration {
        guard reconnect && servers > 1 else {
            return FailoverConfiguration(reconnect: false, maxAttempts: servers)
        }
        return FailoverConfiguration(maxAttempts: 3 * servers)
    }

    /// `hello`, again on the next server when a busy one refuses it (`overloaded`) or the
    /// connection is replaced under it.
    private static func hello(_ client: AgentdClient, agent: String, token: String?, attempts: Int) async throws {
        var attempt = 1
        while true {
            do {
                try await client.hello(agentID: agent, token: token)
                return
            } catch let error as AgentdClientError where error.isRetryable && attempt < attempts {
                attempt += 1
            }
        }
    }

    /// Ends the session politely. An agent id agentctl made up is never used again, so its
    /// registration would only linger in `agents` as an offline entry: remove it.
    private static func leave(_ client: AgentdClient, deregister: Bool) async {
        if deregister {
            try? await client.deregister()
        }
        try? await client.bye()
        await client.close()
    }
}
