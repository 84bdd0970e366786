/// The audit files of one day; each category is one `<raw value>_YYYY-MM-DD.jsonl` file.
public enum AuditCategory: String, Sendable, CaseIterable {
    /// Register, deregister, online, offline (heartbeat timeouts).
    case agentActivity = "agent_activity"
    /// Sent, delivered, acked, nacked, dead-lettered, expired.
    case messageAudit = "message_audit"
    /// Assigned, in progress, completed, failed, retried, reassigned, cancelled, timed out.
    case taskHistory = "task_history"
    /// A periodic snapshot of the broker's counters.
    case performance
    /// Store errors, refused hellos, internal errors, and the audit log's own write failures.
    case errors
}
