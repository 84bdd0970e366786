import Foundation
import NIOCore
import NIOPosix
import RedisStreams
import Synchronization
import Testing

/// `RedisSubscriber` against the test Redis (AGENTD_TEST_REDIS). Channels are named per test;
/// a publish's answer (how many subscribers received it) and `PUBSUB NUMSUB` tell what Redis
/// has, and a publish on a second channel serves as a barrier: one connection delivers
/// messages in publishing order.
@Suite(.enabled(if: TestRedis.address != nil), .serialized)
struct RedisSubscriberTests {
    /// What a subscriber reported.
    final class Recorder: Sendable {
        private let state = Mutex<(messages: [(String, [UInt8])], subscribed: [String])>(([], []))

        var messages: [(channel: String, payload: String)] {
            self.state.withLock { $0.messages.map { ($0.0, String(decoding: $0.1, as: UTF8.self)) } }
        }
        var payloads: [[UInt8]] { self.state.withLock { $0.messages.map(\.1) } }
        var subscribed: [String] { self.state.withLock { $0.subscribed } }

        func message(_ channel: String, _ payload: [UInt8]) {
            self.state.withLock { $0.messages.append((channel, payload)) }
        }

        func confirmed(_ channel: String) {
            self.state.withLock { $0.subscribed.append(channel) }
        }
    }

    private let loop = MultiThreadedEventLoopGroup.singleton.next()

    /// A subscriber recording into a new `Recorder`, shut down after `body`.
    private func withSubscriber(
        _ configuration: RedisConfiguration = TestRedis.configuration(),
        _ body: (RedisSubscriber, Recorder, RedisClient, String) async throws -> Void
    ) async throws {
        let recorder = Recorder()
        let subscriber = RedisSubscriber(
            configuration: configuration,
            loop: self.loop,
            onMessage: { channel, payload in
                recorder.message(channel, payload)
            },
            onSubscribed: { channel in
                recorder.confirmed(channel)
            }
        )
        defer { subscriber.shutdown() }
        try await TestRedis.withClient { client, prefix in
            try await body(subscriber, recorder, client, prefix)
        }
    }

    /// Polls `condition` every 10 ms until it holds or 5 s pass.
    private func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            if try await condition() { return true }
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    private func publish(_ client: RedisClient, _ channel: String, _ payload: [UInt8]) async throws -> Int64? {
        try await client.execute(RedisCommand([Array("PUBLISH".utf8), Array(channel.utf8), payload])).int
    }

    private func subscribers(_ client: RedisClient, _ channel: String) async throws -> Int64? {
        try await client.execute(RedisCommand("PUBSUB", "NUMSUB", channel)).array?.last?.int
    }

    @Test func messagesArriveOnceTheSubscriptionIsConfirmed() async throws {
        try await self.withSubscriber { (subscriber, recorder, client, prefix) async throws in
            let one = prefix + "one"
            let two = prefix + "two"
            subscriber.subscribe([one])
            subscriber.subscribe([two, one])
            #expect(try await self.eventually { Set(recorder.subscribed) == [one, two] })
            #expect(recorder.subscribed.count == 2)
            #expect(try await subscriber.wantedChannels().get() == [one, two])

            // Binary-safe payloads, in publishing order.
            let binary: [UInt8] = [0x00, 0xFF, 0x0D, 0x0A, 0x24]
            #expect(try await self.publish(client, one, Array("hello".utf8)) == 1)
            #expect(try await self.publish(client, two, binary) == 1)
            #expect(try await self.publish(client, one, Array("again".utf8)) == 1)
            #expect(try await self.eventually { recorder.messages.count == 3 })
            #expect(recorder.messages.map(\.channel) == [one, two, one])
            #expect(recorder.payloads == [Array("hello".utf8), binary, Array("again".utf8)])

            // Wanting a channel again changes nothing: no second subscription, no second copy.
            subscriber.subscribe([one])
            let three = prefix + "three"
            subscriber.subscribe([three])
            #expect(try await self.eventually { recorder.subscribed.contains(three) })
            #expect(recorder.subscribed.sorted() == [one, three, two].sorted())
            #expect(try await self.publish(client, one, Array("once".utf8)) == 1)
            #expect(try await self.eventually { recorder.messages.count == 4 })
        }
    }

    @Test func unsubscribeStopsTheMessages() async throws {
        try await self.withSubscriber { (subscriber, recorder, client, prefix) async throws in
            let gone = prefix + "gone"
            let kept = prefix + "kept"
            subscriber.subscribe([gone, kept])
            #expect(try await self.eventually { recorder.subscribed.count == 2 })
            #expect(try await self.publish(client, gone, Array("before".utf8)) == 1)

            subscriber.unsubscribe([gone])
            subscriber.unsubscribe([gone, prefix + "never-wanted"])
            #expect(try await subscriber.wantedChannels().get() == [kept])
            #expect(try await self.eventually { try await self.subscribers(client, gone) == 0 })
            #expect(try await self.publish(client, gone, Array("after".utf8)) == 0)
            #expect(try await self.publish(client, kept, Array("barrier".utf8)) == 1)
            #expect(try await self.eventually { recorder.messages.count == 2 })
            #expect(recorder.messages.map(\.payload) == ["before", "barrier"])
        }
    }

    /// Only what is wanted when the connection opens is subscribed.
    @Test func aChannelDroppedBeforeTheConnectionOpensIsNeverSubscribed() async throws {
        try await self.withSubscriber { (subscriber, recorder, client, prefix) async throws in
            let dropped = prefix + "dropped"
            let wanted = prefix + "wanted"
            // In one loop task, so the connection cannot open between the calls.
            try await self.loop.submit {
                subscriber.subscribe([dropped])
                subscriber.unsubscribe([dropped])
                subscriber.subscribe([wanted])
            }.get()
            #expect(try await self.eventually { recorder.subscribed == [wanted] })
            #expect(try await self.subscribers(client, dropped) == 0)
            #expect(try await self.publish(client, wanted, Array("x".utf8)) == 1)
            #expect(try await self.eventually { recorder.messages.count == 1 })
        }
    }

    /// Killed by Redis: it connects again, subscribes to everything wanted again and says so
    /// (what was published meanwhile was missed, which the owner learns from `onSubscribed`).
    /// The subscriber logs in as a user of its own, so the kill (`CLIENT KILL TYPE pubsub USER`)
    /// hits no other test's subscriber.
    @Test func itReconnectsAfterCLIENTKILLAndSubscribesAgain() async throws {
        let user = "subscriber-test-\(UUID().uuidString)"
        let admin = RedisClient(configuration: TestRedis.configuration())
        defer { admin.shutdown() }
        let created = try await admin.execute(RedisCommand("ACL", "SETUSER", user, "on", ">secret", "~*", "&*", "+@all"))
        #expect(created == .status("OK"))
        var configuration = TestRedis.configuration()
        configuration.username = user
        configuration.password = "secret"
        let outcome: Result<Void, any Error>
        do {
            try await self.withSubscriber(configuration) { (subscriber, recorder, client, prefix) async throws in
                let one = prefix + "one"
                let two = prefix + "two"
                subscriber.subscribe([one, two])
                #expect(try await self.eventually { recorder.subscribed.count == 2 })
                #expect(try await self.publish(client, one, Array("first".utf8)) == 1)
                #expect(try await self.eventually { recorder.messages.count == 1 })

                let killed = try await client.execute(RedisCommand("CLIENT", "KILL", "TYPE", "pubsub", "USER", user))
                #expect(killed.int == 1)
                #expect(try await self.eventually { recorder.subscribed.count == 4 })
                #expect(recorder.subscribed.sorted() == [one, one, two, two])
                #expect(try await subscriber.wantedChannels().get() == [one, two])

                #expect(try await self.publish(client, two, Array("second".utf8)) == 1)
                #expect(try await self.eventually { recorder.messages.count == 2 })
                #expect(recorder.messages.map(\.payload) == ["first", "second"])
                #expect(recorder.messages.map(\.channel) == [one, two])
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        _ = try await admin.execute(RedisCommand("ACL", "DELUSER", user))
        try outcome.get()
    }

    @Test func afterShutdownItStaysClosed() async throws {
        try await self.withSubscriber { (subscriber, recorder, client, prefix) async throws in
            let channel = prefix + "one"
            subscriber.subscribe([channel])
            #expect(try await self.eventually { recorder.subscribed.count == 1 })
            subscriber.shutdown()
            #expect(try await self.eventually { try await self.subscribers(client, channel) == 0 })
            // Wanting more does not open it again.
            subscriber.subscribe([prefix + "two"])
            #expect(try await self.publish(client, channel, Array("x".utf8)) == 0)
            #expect(try await self.subscribers(client, prefix + "two") == 0)
            #expect(recorder.messages.isEmpty)
        }
    }
}
