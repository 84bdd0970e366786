import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

enum Scenario: String, CaseIterable, ExpressibleByArgument {
    case send, cycle, fetch, latency, fanout, connections, assign, agents
}

/// Load generator for agentd (issue 4, docs/performance.md): raw NIO connections,
/// pre-rendered frames, replies read by byte search. Prints one table row per run, or one
/// JSON object per line with `--json` (what scripts/bench.sh reads).
@main
struct AgentdBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agentd-bench",
        abstract: "Drive a running agentd and measure throughput, latency and memory.")

    @Argument(help: "One of: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: Scenario

    @Option(help: "agentd's agent port.")
    var server = "127.0.0.1:7420"

    @Option(help: "The consumers' agent port, e.g. another daemon on the same Redis (cycle, fetch, latency; default --server).")
    var consumerServer: String?

    @Option(help: "Messages to move (default: 200000 send, 100000 cycle/fetch, 10 s worth for latency).")
    var messages: Int?

    @Option(help: "Producer connections (send, cycle, fetch).")
    var producers = 4

    @Option(help: "Consumer connections, one agent each (cycle, fetch).")
    var consumers = 4

    @Option(help: "Unanswered sends per producer connection.")
    var pipeline = 64

    @Option(help: "Bytes of padding in each message's content.")
    var size = 200

    @Option(help: "Messages per second (latency).")
    var rate = 1000

    @Option(help: "Idle connections to open (connections).")
    var connections = 10_000

    @Option(help: "Distinct agent ids over those connections (connections; default one per connection); agents to register (agents, default 10000).")
    var agents: Int?

    @Option(help: "Connections open at once while registering (agents).")
    var concurrency = 200

    @Option(help: "agentd's process id, to read its RSS (connections, agents).")
    var pid: Int?

    @Option(help: "Subscription prefetch of push consumers (cycle, latency).")
    var prefetch = 1000

    @Option(help: "Event loop threads of the load generator.")
    var threads = 1

    @Option(help: "Seconds before the run gives up, prints what it has and exits non-zero.")
    var timeout = 120

    @Flag(help: "One JSON object per line instead of a table.")
    var json = false

    func validate() throws {
        for (name, value) in [("producers", producers), ("consumers", consumers), ("pipeline", pipeline),
                              ("rate", rate), ("connections", connections), ("threads", threads), ("timeout", timeout),
                              ("prefetch", prefetch), ("concurrency", concurrency)] where value < 1 {
            throw ValidationError("--\(name) must be at least 1")
        }
        if let messages, messages < 1 { throw ValidationError("--messages must be at least 1") }
        if let agents, agents < 1 { throw ValidationError("--agents must be at least 1") }
        if size < 0 { throw ValidationError("--size must not be negative") }
        guard HostAndPort(server) != nil else { throw ValidationError("--server must be HOST:PORT") }
        if let consumerServer, HostAndPort(consumerServer) == nil {
            throw ValidationError("--consumer-server must be HOST:PORT")
        }
    }

    func run() async throws {
        guard let address = HostAndPort(server) else { throw ValidationError("--server must be HOST:PORT") }
        let consumerAddress = consumerServer.flatMap(HostAndPort.init) ?? address
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let bench = Bench(
            connector: Connector(group: group, host: address.host, port: address.port),
            consumerConnector: Connector(group: group, host: consumerAddress.host, port: consumerAddress.port),
            options: settings,
            prefix: "bench\(ProcessInfo.processInfo.processIdentifier)")
        bench.armWatchdog(seconds: timeout)

        let result: BenchResult
        do {
            result = try await scenario.run(bench)
        } catch {
            try? await group.shutdownGracefully()
            FileHandle.standardError.write(Data("agentd-bench \(scenario.rawValue): \(error)\n".utf8))
            throw ExitCode(2)
        }
        try? await group.shutdownGracefully()

        if json {
            print(result.json)
        } else {
            print(BenchResult.header)
            print(result.row)
        }
        for sample in bench.errorSamples {
            FileHandle.standardError.write(Data("agentd-bench: \(sample)\n".utf8))
        }
        if !result.complete || result.errors > 0 { throw ExitCode(1) }
    }
}

struct HostAndPort {
    let host: String
    let port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        self.host = host.isEmpty ? "127.0.0.1" : host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        self.port = port
    }
}

extension Scenario {
    func run(_ bench: Bench) async throws -> BenchResult {
        switch self {
        case .send: try await SendScenario.run(bench)
        case .cycle: try await CycleScenario.run(bench)
        case .fetch: try await FetchScenario.run(bench)
        case .latency: try await LatencyScenario.run(bench)
        case .fanout: try await FanoutScenario.run(bench)
        case .connections: try await ConnectionsScenario.run(bench)
        case .assign: try await AssignScenario.run(bench)
        case .agents: try await AgentsScenario.run(bench)
        }
    }
}
