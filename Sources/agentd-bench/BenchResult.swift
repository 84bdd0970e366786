import Foundation
import Histogram

/// One scenario's outcome: a table row for people, a JSON line for scripts/bench.sh.
struct BenchResult {
    var scenario: String
    var messages: Int = 0
    var seconds: Double = 0
    var rate: Double = 0
    var complete = true
    var errors = 0
    /// Latency percentiles in microseconds, in the order of `percentileNames`.
    var latency: [Double]?
    /// Scenario-specific numbers (name, value), printed after the standard ones.
    var extra: [(String, Double)] = []
    var note: String?

    static let percentileNames = ["p50_us", "p90_us", "p99_us", "p999_us", "max_us"]

    static func percentiles(_ histogram: Histogram<UInt64>) -> [Double] {
        guard histogram.totalCount > 0 else { return [0, 0, 0, 0, 0] }
        let ns = [50.0, 90.0, 99.0, 99.9].map { histogram.valueAtPercentile($0) } + [histogram.max]
        return ns.map { Double($0) / 1000 }
    }

    private static let widths = [12, 10, 8, 12, 9, 9, 9, 9, 9, 6]

    private static func columns(_ cells: [String]) -> String {
        zip(cells, widths).enumerated().map { index, pair in
            let (cell, width) = pair
            let pad = String(repeating: " ", count: max(0, width - cell.count))
            return index == 0 ? cell + pad : pad + cell
        }.joined(separator: " ")
    }

    static let header = columns(
        ["scenario", "messages", "seconds", "rate/s", "p50 us", "p90 us", "p99 us", "p99.9 us", "max us", "errors"])

    var row: String {
        let lat = latency ?? []
        func cell(_ i: Int) -> String { i < lat.count ? String(format: "%.0f", lat[i]) : "-" }
        var line = Self.columns([
            scenario, String(messages), String(format: "%.2f", seconds), String(format: "%.0f", rate),
            cell(0), cell(1), cell(2), cell(3), cell(4), String(errors),
        ])
        for (name, value) in extra { line += "  \(name)=" + String(format: "%.1f", value) }
        if !complete { line += "  (INCOMPLETE)" }
        if let note { line += "  \(note)" }
        return line
    }

    var json: String {
        var fields: [String] = [
            "\"scenario\":\"\(scenario)\"",
            "\"messages\":\(messages)",
            String(format: "\"seconds\":%.3f", seconds),
            String(format: "\"rate\":%.1f", rate),
            "\"complete\":\(complete)",
            "\"errors\":\(errors)",
        ]
        if let latency {
            for (name, value) in zip(Self.percentileNames, latency) { fields.append("\"\(name)\":" + String(format: "%.1f", value)) }
        }
        for (name, value) in extra { fields.append("\"\(name)\":" + String(format: "%.1f", value)) }
        if let note { fields.append("\"note\":\"\(note.replacingOccurrences(of: "\"", with: "'"))\"") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}
