import Foundation
import RedisStreams

/// Access to the test server named by AGENTD_TEST_REDIS ("HOST:PORT"), see scripts/with-redis.sh.
enum TestRedis {
    static var address: (host: String, port: Int)? {
        guard let value = ProcessInfo.processInfo.environment["AGENTD_TEST_REDIS"],
              let colon = value.lastIndex(of: ":"),
              let port = Int(value[value.index(after: colon)...]) else { return nil }
        return (String(value[..<colon]), port)
    }

    static func configuration() -> RedisConfiguration {
        let (host, port) = address ?? ("127.0.0.1", 6379)
        // Generous: these tests check replies and order, and a loaded 2-core machine can starve
        // Redis for seconds (the reply watchdog has its own unit test).
        return RedisConfiguration(host: host, port: port, timeout: .seconds(10))
    }

    /// Gives `body` a client and a fresh key prefix; deletes every key under the prefix afterwards.
    static func withClient(
        _ body: (RedisClient, String) async throws -> Void
    ) async throws {
        let client = RedisClient(configuration: configuration())
        let prefix = "agentd-test:\(UUID().uuidString):"
        defer { client.shutdown() }
        do {
            try await body(client, prefix)
        } catch {
            try? await deleteKeys(client, prefix)
            throw error
        }
        try await deleteKeys(client, prefix)
    }

    private static func deleteKeys(_ client: RedisClient, _ prefix: String) async throws {
        let keys = try await client.execute(RedisCommand("KEYS", prefix + "*")).array ?? []
        let names = keys.compactMap(\.bytes)
        if !names.isEmpty {
            _ = try await client.execute(RedisCommand([Array("DEL".utf8)] + names))
        }
    }
}
