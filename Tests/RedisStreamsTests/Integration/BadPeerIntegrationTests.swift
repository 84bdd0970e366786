import Foundation
import Testing
import NIOPosix
import RedisStreams

/// One thread for the outage test's client, kept for the life of the test process.
private let ownLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()

/// Outage behaviour against a redis-server this test starts and kills itself.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"] != nil))
struct BadPeerIntegrationTests {
    @Test func fastFailureAndRecovery() async throws {
        let port = try freePort()
        // A long timeout: failing "fast" must mean well before it, however busy the machine is.
        // A loop of its own, so other tests' work on the shared loops cannot delay this one.
        let client = RedisClient(configuration: RedisConfiguration(port: port, timeout: .seconds(20)), defaultLoop: ownLoop)
        defer { client.shutdown() }

        // Nothing listens: refused at once, then backoff makes further attempts fail without I/O.
        for _ in 0..<3 {
            let started = ContinuousClock.now
            let error = await failure(client)
            #expect(error?.kind == .unreachable)
            #expect(ContinuousClock.now - started < .seconds(10))
        }
        #expect(!client.isConnected)

        var server = try RedisServer(port: port)
        defer { server.stop() }
        try await server.waitUntilReady()
        #expect(try await eventuallySucceeds(client) < .seconds(10))
        #expect(client.isConnected)

        // Peer dies under an open connection: failure (not a crash from SIGPIPE), then recovery.
        server.stop()
        let started = ContinuousClock.now
        for _ in 0..<3 {
            let error = await failure(client)
            #expect(error?.kind == .unreachable)
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(!client.isConnected)

        server = try RedisServer(port: port)
        try await server.waitUntilReady()
        #expect(try await eventuallySucceeds(client) < .seconds(10))
    }

    private func failure(_ client: RedisClient) async -> RedisStreamsError? {
        do {
            _ = try await client.execute(RedisCommand("PING"))
            return nil
        } catch {
            return error
        }
    }

    /// Retries PING until it succeeds (backoff is at most 1 s); returns how long that took.
    private func eventuallySucceeds(_ client: RedisClient) async throws -> Duration {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(15) {
            if (try? await client.execute(RedisCommand("PING"))) == .status("PONG") {
                return ContinuousClock.now - started
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return ContinuousClock.now - started
    }
}

/// A redis-server child process owned by one test.
struct RedisServer {
    let port: Int
    private let process: Process

    init(port: Int) throws {
        self.port = port
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["redis-server", "--port", String(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--daemonize", "no"]
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func waitUntilReady() async throws {
        let client = RedisClient(configuration: RedisConfiguration(port: port, timeout: .milliseconds(500)))
        defer { client.shutdown() }
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(15) {
            if (try? await client.execute(RedisCommand("PING"))) == .status("PONG") { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RedisStreamsError.unreachable("test redis-server on port \(port) did not start")
    }

    /// Kills this server (SIGKILL: an abrupt peer death) and waits for it to exit.
    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A currently free local TCP port (the kernel picks it for a port-0 bind).
func freePort() throws -> Int {
    let python = Process()
    python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    python.arguments = ["python3", "-c",
                        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"]
    let pipe = Pipe()
    python.standardOutput = pipe
    try python.run()
    python.waitUntilExit()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard let port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw RedisStreamsError.unreachable("could not pick a free port: \(output)")
    }
    return port
}
