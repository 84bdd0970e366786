import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import RedisStreams

/// The Sentinel pieces that need no server: reading the sentinels' answers, and where an
/// endpoint sends the next connection.
@Suite struct SentinelTests {
    @Test func switchMasterAnnouncements() {
        #expect(SentinelWatcher.newMaster("main 127.0.0.1 6379 127.0.0.1 6380", name: "main") == RedisAddress(host: "127.0.0.1", port: 6380))
        // Another master of the same sentinels, or a malformed line: not ours.
        #expect(SentinelWatcher.newMaster("other 127.0.0.1 6379 127.0.0.1 6380", name: "main") == nil)
        #expect(SentinelWatcher.newMaster("main 127.0.0.1 6379 127.0.0.1", name: "main") == nil)
        #expect(SentinelWatcher.newMaster("main 127.0.0.1 6379 127.0.0.1 port", name: "main") == nil)
    }

    @Test func masterAddressReplies() throws {
        let reply = RedisReply.array([.bulk(Array("10.0.0.2".utf8)), .bulk(Array("6380".utf8))])
        #expect(try SentinelQuery.address(reply, name: "m").get() == RedisAddress(host: "10.0.0.2", port: 6380))
        // A sentinel that does not monitor the name answers nil.
        #expect(throws: RedisStreamsError.self) { try SentinelQuery.address(.bulk(nil), name: "m").get() }
        #expect(throws: RedisStreamsError.self) { try SentinelQuery.address(.error("ERR unknown"), name: "m").get() }
    }

    @Test func readOnlyRepliesAreRecognised() {
        #expect(RedisLoopConnection.isReadOnly("READONLY You can't write against a read only replica."))
        // From inside a script, Redis wraps the error in its own.
        #expect(RedisLoopConnection.isReadOnly("ERR Error running script (call to f_1): @user_script:1: -READONLY You can't write against a read only replica."))
        #expect(!RedisLoopConnection.isReadOnly("ERR wrong number of arguments"))
    }

    @Test func anyOfMovesOnAfterALoss() throws {
        let loop = EmbeddedEventLoop()
        let a = RedisAddress(host: "127.0.0.1", port: 1)
        let b = RedisAddress(host: "127.0.0.1", port: 2)
        let endpoint = RedisEndpoint(kind: .anyOf([a, b]), timeout: .seconds(1))
        #expect(try endpoint.resolve(on: loop).wait() == a)
        endpoint.lost(b)  // not the one in use: nothing changes
        #expect(try endpoint.resolve(on: loop).wait() == a)
        endpoint.lost(a)
        #expect(try endpoint.resolve(on: loop).wait() == b)
        endpoint.lost(b)
        #expect(try endpoint.resolve(on: loop).wait() == a)
        #expect(!endpoint.followsFailovers)
    }

    @Test func aSwitchReplacesTheMasterAndTellsObservers() throws {
        let loop = EmbeddedEventLoop()
        let endpoint = RedisEndpoint(
            kind: .sentinel(RedisSentinelConfiguration(sentinels: [], masterName: "m")),
            timeout: .seconds(1)
        )
        #expect(endpoint.followsFailovers)
        // No sentinel to ask yet: a clear failure, not a hang.
        #expect(throws: RedisStreamsError.self) { try endpoint.resolve(on: loop).wait() }
        let told = Mutex<[RedisAddress]>([])
        let token = endpoint.observe { address in told.withLock { $0.append(address) } }
        let master = RedisAddress(host: "10.0.0.3", port: 6379)
        endpoint.switched(to: master)
        endpoint.switched(to: master)  // announced by every sentinel: told once
        #expect(try endpoint.resolve(on: loop).wait() == master)
        #expect(told.withLock { $0 } == [master])
        // A connection to it broke: the sentinels are asked again (and here know nothing).
        endpoint.lost(master)
        #expect(throws: RedisStreamsError.self) { try endpoint.resolve(on: loop).wait() }
        endpoint.unobserve(token)
        endpoint.switched(to: RedisAddress(host: "10.0.0.4", port: 6379))
        #expect(told.withLock { $0 }.count == 1)
    }
}
