import AgentCore

/// The human form of a TaskInfo: one field per line, then the history as a table.
enum TaskDetail {
    /// The fields shown, in this order; `result` and `error` only when present.
    static let fields = [
        "task_id", "task_type", "state", "assigned_to", "supervisor", "priority", "attempts", "max_retries",
        "deadline", "lease", "lease_expires_at", "budget", "usage", "parent_task_id", "children",
        "required_capabilities", "description", "parameters", "result", "error", "created_at", "updated_at",
    ]

    /// Shown only when the task has them (older agentd, or nothing to say).
    private static let optional: Set<String> = ["result", "error", "lease_expires_at", "budget", "parent_task_id"]

    /// The lines for `task`.
    static func render(_ task: JSONObject) -> String {
        var table = TextTable(["FIELD", "VALUE"])
        for field in Self.fields where !(task[field] == nil || task[field] == .null) || !Self.optional.contains(field) {
            table.append([field, task.display(field)])
        }
        // The header row only helps when there are columns to tell apart; drop it here.
        var lines = table.render().split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map(String.init)
        let attempts = task["attempts_log"]?.arrayValue ?? []
        if !attempts.isEmpty {
            var log = TextTable(["ATTEMPT", "LEASE", "AGENT", "STARTED", "ENDED", "OUTCOME"])
            for entry in attempts {
                let entry = entry.objectValue ?? [:]
                log.append([
                    entry.display("attempt"), entry.display("lease"), entry.display("agent_id"),
                    entry.display("started_at"), entry.display("ended_at"), entry.display("outcome"),
                ])
            }
            lines.append("")
            lines.append(log.render())
        }
        let history = task["history"]?.arrayValue ?? []
        if !history.isEmpty {
            var events = TextTable(["AT", "EVENT", "AGENT"])
            for entry in history {
                let entry = entry.objectValue ?? [:]
                events.append([entry.display("at"), entry.display("event"), entry.display("agent_id")])
            }
            lines.append("")
            lines.append(events.render())
        }
        return lines.joined(separator: "\n")
    }
}
