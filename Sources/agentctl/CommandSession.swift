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
    /// - Parameters:
    ///   - options: the common options (address, agent id, token).
    ///   - role: the role to register with first; nil to not register.
    ///   - body: the command's requests.
    /// - Returns: what `body` returns.
    /// - Throws: ``CommandFailure``: exit 2 for a bad address or TLS, 3 when agentd cannot
    ///   be reached or the connection ends, 1 when agentd answers with an error.
    static func run<Result>(
        _ options: ConnectionOptions,
        role: String? = nil,
        _ body: (AgentdClient) async throws -> Result
    ) async throws(CommandFailure) -> Result {
        let address = try options.address()
        let tls = try options.clientTLS()
        let client: AgentdClient
        do {
            client = try await AgentdClient.connect(
                host: address.host,
                port: address.port,
                tls: tls,
                connectTimeout: Self.connectTimeout
            )
        } catch AgentdClientError.tlsSetup(let detail) {
            throw .usage("TLS settings: \(detail)")
        } catch AgentdClientError.tlsHandshake(let detail) {
            throw .unreachable("TLS handshake with agentd at \(address) failed: \(detail)")
        } catch {
            throw .unreachable("could not connect to agentd at \(address): \(ConnectError.describe(error))")
        }
        let agent = options.agentID
        var registered = false
        do {
            try await client.hello(agentID: agent.id, token: options.resolvedToken)
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
