/// The command line, as a plain value the scenarios (and other threads) can share.
struct BenchSettings: Sendable {
    var messages: Int?
    var producers: Int
    var consumers: Int
    var pipeline: Int
    var size: Int
    var rate: Int
    var connections: Int
    var agents: Int?
    var pid: Int?
    var prefetch: Int
    var concurrency: Int
}

extension AgentdBench {
    var settings: BenchSettings {
        BenchSettings(
            messages: messages, producers: producers, consumers: consumers, pipeline: pipeline, size: size,
            rate: rate, connections: connections, agents: agents, pid: pid, prefetch: prefetch,
            concurrency: concurrency)
    }
}
