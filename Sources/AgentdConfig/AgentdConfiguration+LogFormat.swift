extension AgentdConfiguration {
    /// How log records are written to stderr (`log_format`).
    public enum LogFormat: String, Sendable, Hashable, CaseIterable {
        /// swift-log's plain lines, for people. The default.
        case text
        /// One JSON object per line (`ts`, `level`, `label`, `message`, `source`, `metadata`), for machines.
        case json
    }
}
