import AgentCore
import AgentdAudit
import NIOCore

extension Broker {
    /// The `audit` part of `stats`, present only when audit logging is on (clients that know
    /// the four classic parts see no change otherwise).
    var auditStatsPart: [(String, JSONObject)] {
        self.audit.isEnabled ? [("audit", self.auditStats)] : []
    }

    /// What became of the audit log's lines.
    var auditStats: JSONObject {
        let counters = self.audit.counters
        var part: JSONObject = [
            "enabled": .bool(self.audit.isEnabled),
            "written_total": .number(JSONNumber(counters.written)),
            "dropped_total": .number(JSONNumber(counters.dropped)),
            "write_errors_total": .number(JSONNumber(counters.writeErrors)),
        ]
        if let failing = counters.failing { part["failing"] = .string(failing) }
        return part
    }

    /// A `performance` audit record: the broker's counters now (the numbers of `stats`).
    /// - Parameter event: the `event` field, e.g. `snapshot`, or `final` at shutdown.
    public func performanceSnapshot(_ event: String, on loop: any EventLoop) -> EventLoopFuture<AuditEvent> {
        self.store.counters(on: loop)
            .and(self.registry.stats().hop(to: loop))
            .and(self.coordinator.stats().hop(to: loop))
            .map { parts in
                let ((counters, registry), tasks) = parts
                let uptime = (NIODeadline.now() - self.startedAt).nanoseconds / 1_000_000_000
                let audit = self.audit.counters
                let perMinute = self.sendRate.total(nowMilliseconds: WallClock.nowMilliseconds())
                let fields: JSONObject = [
                    "uptime_s": .number(JSONNumber(uptime)),
                    "connections": .number(JSONNumber(self.connectionCount)),
                    "messages_per_minute": .number(JSONNumber(perMinute)),
                    "sent_total": .number(JSONNumber(counters.sent)),
                    "delivered_total": .number(JSONNumber(counters.delivered)),
                    "acked_total": .number(JSONNumber(counters.acked)),
                    "expired_total": .number(JSONNumber(counters.expired)),
                    "pending": .number(JSONNumber(max(0, counters.pending))),
                    "in_flight": .number(JSONNumber(self.engine.inFlightCount)),
                    "dead_letters": .number(JSONNumber(max(0, counters.dead))),
                    "agents_total": .number(JSONNumber(registry.totalAgents)),
                    "agents_active": .number(JSONNumber(registry.activeAgents)),
                    "agents_offline": .number(JSONNumber(registry.offlineAgents)),
                    "tasks": [
                        "pending": .number(JSONNumber(tasks.pending)),
                        "in_progress": .number(JSONNumber(tasks.inProgress)),
                        "input_required": .number(JSONNumber(tasks.inputRequired)),
                        "completed": .number(JSONNumber(tasks.completed)),
                        "failed": .number(JSONNumber(tasks.failed)),
                        "timed_out": .number(JSONNumber(tasks.timedOut)),
                        "cancelled": .number(JSONNumber(tasks.cancelled)),
                    ],
                    "auth_failures_total": .number(JSONNumber(self.authenticator?.failureCount ?? 0)),
                    "audit_dropped_total": .number(JSONNumber(audit.dropped)),
                    "audit_write_errors_total": .number(JSONNumber(audit.writeErrors)),
                ]
                return AuditEvent(.performance, event, fields)
            }
    }
}
