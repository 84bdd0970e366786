import AgentCore
import Foundation

/// Where agentctl's text goes. Writes go straight to the file descriptors (no stdio
/// buffer), so `tail` output reaches a pipe at once and nothing is lost at exit.
enum Output {
    /// Writes `text` and a newline to stdout.
    static func line(_ text: String) {
        Self.write(text + "\n", to: .standardOutput)
    }

    /// Writes `object` as one line of compact JSON to stdout (`--json`).
    static func json(_ object: JSONObject) {
        Self.line(JSONValue.object(object).jsonString)
    }

    /// Writes a note for the person at the terminal to stderr, away from the data on stdout.
    static func note(_ text: String) {
        Self.write(text + "\n", to: .standardError)
    }

    private static func write(_ text: String, to handle: FileHandle) {
        // A closed stdout (e.g. `| head -1`) is the reader's choice, not an error to report.
        try? handle.write(contentsOf: Data(text.utf8))
    }
}
