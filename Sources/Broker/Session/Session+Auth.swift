import AgentCore
import AgentdAudit
import NIOCore

extension Session {
    /// The role `link`'s agent acts as: the one it registered as, unless this session's token
    /// does not allow it (a role registered earlier, before token mode or under another
    /// tokens file, gives no rights the token does not).
    func role(of link: SessionLink) -> AgentRole? {
        self.allowed(self.broker.presence.role(of: link.agentID))
    }

    /// `role`, when this session's token allows it.
    func allowed(_ role: AgentRole?) -> AgentRole? {
        guard let role else { return nil }
        if let allowed = self.allowedRoles, !allowed.contains(role) {
            return nil
        }
        return role
    }

    /// Refuses `register` as a role the token does not allow.
    func checkAllowed(_ role: AgentRole, agent: String) throws(AgentdError) {
        guard let allowed = self.allowedRoles, !allowed.contains(role) else { return }
        let names = AgentRole.allCases.filter(allowed.contains).map(\.rawValue).joined(separator: ", ")
        throw .forbidden("role: \(agent)'s token allows only \(names), not \(role.rawValue)")
    }

    /// Refuses a `hello` as another agent than the one this connection's client certificate
    /// names. Not slowed down like a bad token: the client proved it holds a certificate
    /// agentd trusts, so it learns nothing by being told which id that certificate allows.
    func checkCertificate(allows agentID: String) throws(AgentdError) {
        guard let identity = self.certificateIdentity else { return }
        guard let named = identity.agentID else {
            throw .unauthenticated("hello: the client certificate's subject has no common name (CN), so it names no agent")
        }
        guard named == agentID else {
            throw .unauthenticated("hello: the client certificate names agent \(named), not \(agentID.prefix(128))")
        }
    }

    /// The reply to a refused hello, held back by the throttle's delay for this address: a
    /// scheduled task, so the event loop keeps serving everyone else meanwhile.
    func refuseHello(_ id: RequestID?, agentID: String, authenticator: HelloAuthenticator) -> SessionResult {
        let delay = authenticator.failed(from: self.remoteAddress)
        self.broker.metrics.helloRefused()
        self.broker.audit.record(.helloRefused(agent: agentID, remote: "\(self.remoteAddress)"))
        self.broker.logger.notice("hello refused", metadata: [
            "agentd.agent_id": "\(agentID)",
            "agentd.remote": "\(self.remoteAddress)",
            "agentd.delay_ms": "\(delay.nanoseconds / 1_000_000)",
        ])
        let answer: @Sendable (Result<Void, any Error>) -> Void = self.reply(id) { _, _ in }
        self.eventLoop.scheduleTask(in: delay) {
            answer(.failure(AgentdError.unauthenticated(HelloAuthenticator.refusal)))
        }
        return .later
    }
}
