import AgentCore

/// The human form of a TaskInfo: one field per line, then the history as a table.
enum TaskDetail {
    /// The fields shown, in this order; `result` and `error` only when present.
    static let fields = [
        "task_id", "task_type", "state", "assigned_to", "supervisor", "priority", "attempts", "max_retries",
        "deadline", "required_capabilities", "description", "parameters", "result", "error",
        "created_at", "updated_at",
    ]

    /// The lines for `task`.
    static func render(_ task: JSONObject) -> String {
        var table = TextTable(["FIELD", "VALUE"])
        for field in Self.fields where task[field] != nil || !["result", "error"].contains(field) {
            table.append([field, task.display(field)])
        }
        // The header row only helps when there are columns to tell apart; drop it here.
        var lines = table.render().split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map(String.init)
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
