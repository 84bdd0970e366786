import AgentCore
import AgentdAudit
import NIOCore

extension Session {
    /// The role `link`'s agent acts as: the one it registered as, unless this session's token
    /// does not allow it (a role registered earlier, before token mode or under another
    /// tokens file, gives no rights the token does not).
    func role(of link: SessionLink) -> AgentRole? {
        guard let role = self.broker.presence.role(of: link.agentID) else { return nil }
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

    /// The reply to a refused hello, held back by the throttle's delay for this address: a
    /// scheduled task, so the event loop keeps serving everyone else meanwhile.
    func refuseHello(_ id: RequestID?, agentID: String, authenticator: HelloAuthenticator) -> SessionResult {
        let delay = authenticator.failed(from: self.remoteAddress)
        self.broker.audit.record(.helloRefused(agent: agentID, remote: "\(self.remoteAddress)"))
        self.broker.logger.notice("hello refused", metadata: [
            "agentd.agent_id": "\(agentID)",
            "agentd.remote": "\(self.remoteAddress)",
            "agentd.delay_ms": "\(delay.nanoseconds / 1_000_000)",
        ])
        let reply = Reply.failure(id: id, .unauthenticated(HelloAuthenticator.refusal))
        let eventLoop = self.eventLoop
        return SessionResult(reply: .later { deliver in
            // `deliver` belongs to the connection's loop; the task runs on that same loop.
            let bound = NIOLoopBound(deliver, eventLoop: eventLoop)
            eventLoop.scheduleTask(in: delay) { bound.value(reply) }
        })
    }
}
