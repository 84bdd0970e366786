import Foundation
import NIOCore

/// `connections`: N idle agents (hello + subscribe each), then agentd's RSS from
/// `/proc/<pid>/status`. Reports the RSS and its growth per connection, then closes them.
/// Needs `ulimit -n` above N (scripts/bench.sh raises it).
enum ConnectionsScenario {
    static func run(_ bench: Bench) async throws -> BenchResult {
        let options = bench.options
        let count = options.connections
        let agents = max(1, min(options.agents ?? count, count))
        let run = bench.makeRun(target: count)
        let before = options.pid.flatMap(residentKiB)
        let idle = (0..<count).map { index in
            BenchAgent(agentID: "\(bench.prefix)-i\(index % agents)", run: run, subscribePrefetch: 1, loop: bench.loop)
        }
        run.start()
        let channels = try await bench.open(idle)
        run.add(channels.count)
        let seconds = run.seconds
        // Let agentd settle (buffers released after the hello burst) before reading.
        try await Task.sleep(for: .seconds(1))
        let after = options.pid.flatMap(residentKiB)
        await bench.close(channels)

        var result = BenchResult(
            scenario: "connections", messages: channels.count, seconds: seconds,
            rate: seconds > 0 ? Double(channels.count) / seconds : 0, errors: run.errors)
        if let before, let after {
            result.extra = [
                ("rss_before_mib", Double(before) / 1024),
                ("rss_mib", Double(after) / 1024),
                ("per_connection_kib", Double(after - before) / Double(max(1, channels.count))),
            ]
        } else {
            result.note = "no RSS: pass --pid of agentd"
        }
        return result
    }

    /// `VmRSS` of a process, in KiB.
    static func residentKiB(_ pid: Int) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }
}
