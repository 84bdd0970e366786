import AgentCore
import NIOCore
import Testing

@testable import AgentdClient

/// The connection's decisions, without sockets or clocks: events in, actions out.
@Suite struct ConnectionStateMachineTests {
    static let a = ServerAddress(host: "10.0.0.1", port: 7420)
    static let b = ServerAddress(host: "10.0.0.2", port: 7420)
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
    static let hello: JSONObject = ["agent_id": "w1", "token": "secret"]
    static let subscription: JSONObject = ["prefetch": 7]

    static func machine(
        _ servers: [ServerAddress] = [a, b],
        _ configuration: FailoverConfiguration = FailoverConfiguration()
    ) -> ConnectionStateMachine {
        ConnectionStateMachine(servers: servers, configuration: configuration)
    }

    /// A machine connected to A (generation 1), said hello and subscribed.
    static func subscribedOnA(at now: NIODeadline = t0) -> ConnectionStateMachine {
        var machine = Self.machine()
        _ = machine.start(now: now)
        _ = machine.connected(1, now: now)
        _ = machine.replied(to: .hello(Self.hello), error: nil, generation: 1)
        _ = machine.replied(to: .subscribe(Self.subscription), error: nil, generation: 1)
        return machine
    }

    @Test func triesEachServerInTurnThenBacksOffBetweenRounds() {
        var machine = Self.machine()
        let t0 = Self.t0
        #expect(machine.start(now: t0) == [.connect(server: 0, generation: 1)])
        #expect(machine.connectFailed(1, reason: "connection refused", now: t0) == [.connect(server: 1, generation: 2)])
        #expect(machine.connectFailed(2, reason: "timed out", now: t0) == [.sleep(until: t0 + .milliseconds(200), generation: 3)])
        #expect(machine.server == nil)
        #expect(machine.backoffElapsed(3, now: t0 + .milliseconds(200)) == [.connect(server: 0, generation: 4)])
        #expect(machine.connectFailed(4, reason: "connection refused", now: t0) == [.connect(server: 1, generation: 5)])
        // Each pause doubles the last.
        #expect(machine.connectFailed(5, reason: "timed out", now: t0) == [.sleep(until: t0 + .milliseconds(400), generation: 6)])
        #expect(machine.backoffElapsed(6, now: t0) == [.connect(server: 0, generation: 7)])
        #expect(machine.connected(7, now: t0) == [.ready(server: 0, generation: 7)])
        #expect(machine.server == Self.a)
    }

    @Test func givesUpAfterMaxAttemptsNamingEachServersLastFailure() {
        var machine = Self.machine([Self.a, Self.b], FailoverConfiguration(maxAttempts: 3))
        _ = machine.start(now: Self.t0)
        _ = machine.connectFailed(1, reason: "connection refused", now: Self.t0)
        _ = machine.connectFailed(2, reason: "timed out", now: Self.t0)
        _ = machine.backoffElapsed(3, now: Self.t0)
        let error = AgentdClientError.unreachable([
            ConnectFailure(server: Self.a, reason: "overloaded: too many connections"),
            ConnectFailure(server: Self.b, reason: "timed out"),
        ])
        #expect(machine.connectFailed(4, reason: "overloaded: too many connections", now: Self.t0) == [.finish(error)])
        #expect(machine.route(.other) == .fail(error))
        #expect(!error.isRetryable)
    }

    @Test func givesUpWhenTheNextPauseWouldOutlastMaxDuration() {
        var machine = Self.machine([Self.a], FailoverConfiguration(maxDuration: .seconds(1), initialBackoff: .milliseconds(600)))
        _ = machine.start(now: Self.t0)
        #expect(machine.connectFailed(1, reason: "refused", now: Self.t0) == [.sleep(until: Self.t0 + .milliseconds(600), generation: 2)])
        _ = machine.backoffElapsed(2, now: Self.t0 + .milliseconds(600))
        // The next pause (1.2 s) ends past the 1 s bound.
        #expect(machine.connectFailed(3, reason: "refused", now: Self.t0 + .milliseconds(700))
            == [.finish(.unreachable([ConnectFailure(server: Self.a, reason: "refused")]))])
    }

    @Test func staleReportsChangeNothing() {
        var machine = Self.machine()
        _ = machine.start(now: Self.t0)
        _ = machine.connectFailed(1, reason: "timed out", now: Self.t0)
        // Attempt 1 was given up on: its late success is closed, its loss ignored.
        #expect(machine.connectFailed(1, reason: "again", now: Self.t0) == [])
        #expect(machine.connected(1, now: Self.t0) == [.close(generation: 1)])
        #expect(machine.connectionLost(1, now: Self.t0) == [])
        #expect(machine.state == .connecting(server: 1))
    }

    @Test func requestsWaitUntilAConnectionIsReady() {
        var machine = Self.machine()
        #expect(machine.route(.other) == .wait)
        _ = machine.start(now: Self.t0)
        #expect(machine.route(.other) == .wait)
        _ = machine.connected(1, now: Self.t0)
        #expect(machine.route(.other) == .write(generation: 1))
    }

    /// The daemon in use dies: in-flight requests fail retryably, the next server is
    /// tried at once, hello and subscribe are said again before requests go there.
    @Test func lossMovesToTheNextServerAndRestoresTheSession() {
        var machine = Self.subscribedOnA()
        let later = Self.t0 + .seconds(5)
        #expect(machine.connectionLost(1, now: later) == [
            .failInFlight(generation: 1, error: .interrupted(server: Self.a)),
            .connect(server: 1, generation: 2),
        ])
        #expect(machine.route(.other) == .wait)
        let session = ClientSession(hello: Self.hello, subscription: Self.subscription)
        #expect(machine.connected(2, now: later) == [.restore(session, generation: 2)])
        #expect(machine.route(.other) == .wait)
        #expect(machine.restored(2, now: later) == [.ready(server: 1, generation: 2)])
        #expect(machine.route(.other) == .write(generation: 2))
        #expect(machine.server == Self.b)
        #expect(AgentdClientError.interrupted(server: Self.a).isRetryable)
    }

    @Test func unsubscribeIsNotRestored() {
        var machine = Self.subscribedOnA()
        _ = machine.replied(to: .unsubscribe, error: nil, generation: 1)
        // A refused subscribe changes nothing either.
        _ = machine.replied(to: .subscribe(["prefetch": 3]), error: .server(code: "bad_request", message: "prefetch"), generation: 1)
        _ = machine.connectionLost(1, now: Self.t0 + .seconds(5))
        #expect(machine.connected(2, now: Self.t0) == [.restore(ClientSession(hello: Self.hello), generation: 2)])
    }

    /// agentd's `bye` event: close at once, new requests wait for the next server.
    @Test func goodbyeClosesAndFailsOver() {
        var machine = Self.subscribedOnA()
        #expect(machine.goodbye(1, now: Self.t0) == [.close(generation: 1)])
        #expect(machine.route(.other) == .wait)
        #expect(machine.connectionLost(1, now: Self.t0 + .seconds(2)) == [
            .failInFlight(generation: 1, error: .interrupted(server: Self.a)),
            .connect(server: 1, generation: 2),
        ])
    }

    /// A full server's `overloaded` line, or `overloaded` in reply to hello: the close
    /// that follows is a failed attempt and the next server is tried.
    @Test func overloadedRefusalMovesOn() {
        var machine = Self.machine()
        _ = machine.start(now: Self.t0)
        _ = machine.connected(1, now: Self.t0)
        #expect(machine.refused(1, reason: "overloaded: max_connections") == [.close(generation: 1)])
        #expect(machine.route(.other) == .wait)
        #expect(machine.connectionLost(1, now: Self.t0) == [
            .failInFlight(generation: 1, error: .interrupted(server: Self.a)),
            .connect(server: 1, generation: 2),
        ])
        _ = machine.connected(2, now: Self.t0)
        #expect(machine.replied(to: .hello(Self.hello), error: .server(code: "overloaded", message: "busy"), generation: 2)
            == [.close(generation: 2)])
        #expect(machine.state == .refused(server: 1, reason: "overloaded: busy"))
        // Both tried once: pause, then A again.
        #expect(machine.connectionLost(2, now: Self.t0) == [
            .failInFlight(generation: 2, error: .interrupted(server: Self.b)),
            .sleep(until: Self.t0 + .milliseconds(200), generation: 3),
        ])
    }

    @Test func restoreFailures() {
        var machine = Self.subscribedOnA()
        _ = machine.connectionLost(1, now: Self.t0 + .seconds(5))
        _ = machine.connected(2, now: Self.t0)
        #expect(machine.restoreFailed(2, error: .server(code: "overloaded", message: "busy"), now: Self.t0) == [.close(generation: 2)])
        _ = machine.connectionLost(2, now: Self.t0)
        _ = machine.connected(3, now: Self.t0)
        // A token no other server would take either: the end.
        let refused = AgentdClientError.server(code: "unauthenticated", message: "bad token")
        #expect(machine.restoreFailed(3, error: refused, now: Self.t0) == [.close(generation: 3), .finish(refused)])
        #expect(machine.route(.other) == .fail(refused))
    }

    /// A connection that works for less than `stableAfter` does not start a new failover:
    /// a server that accepts and drops at once costs attempts and backoff.
    @Test func unstableConnectionsCountAgainstTheBounds() {
        var machine = Self.machine([Self.a, Self.b], FailoverConfiguration(maxAttempts: 2))
        _ = machine.start(now: Self.t0)
        _ = machine.connected(1, now: Self.t0)
        #expect(machine.connectionLost(1, now: Self.t0 + .milliseconds(10)) == [
            .failInFlight(generation: 1, error: .interrupted(server: Self.a)),
            .connect(server: 1, generation: 2),
        ])
        #expect(machine.connectFailed(2, reason: "refused", now: Self.t0) == [.finish(.unreachable([
            ConnectFailure(server: Self.a, reason: "connection lost"),
            ConnectFailure(server: Self.b, reason: "refused"),
        ]))])
    }

    @Test func withoutReconnectALossIsTheEnd() {
        var machine = Self.machine([Self.a, Self.b], FailoverConfiguration(reconnect: false, maxAttempts: 2))
        _ = machine.start(now: Self.t0)
        // The first connect still tries the list.
        #expect(machine.connectFailed(1, reason: "refused", now: Self.t0) == [.connect(server: 1, generation: 2)])
        _ = machine.connected(2, now: Self.t0)
        // agentd's bye: its own close follows; the client does not hurry it.
        #expect(machine.goodbye(2, now: Self.t0) == [])
        #expect(machine.connectionLost(2, now: Self.t0 + .seconds(9)) == [
            .failInFlight(generation: 2, error: .connectionClosed),
            .finish(.connectionClosed),
        ])
        #expect(machine.route(.other) == .fail(.connectionClosed))
    }

    @Test func theCallersByeEndsTheClient() {
        var machine = Self.subscribedOnA()
        #expect(machine.route(.bye) == .write(generation: 1))
        #expect(machine.connectionLost(1, now: Self.t0 + .seconds(5)) == [
            .failInFlight(generation: 1, error: .connectionClosed),
            .finish(.connectionClosed),
        ])
    }

    @Test func closeWhileConnectingClosesTheLateConnection() {
        var machine = Self.machine()
        _ = machine.start(now: Self.t0)
        #expect(machine.close() == [.close(generation: 1), .finish(.connectionClosed)])
        #expect(machine.connected(1, now: Self.t0) == [.close(generation: 1)])
        #expect(machine.close() == [])
        #expect(machine.route(.other) == .fail(.connectionClosed))
    }

    @Test func noServersIsUnreachable() {
        var machine = Self.machine([])
        #expect(machine.start(now: Self.t0) == [.finish(.unreachable([]))])
    }

    @Test func backoffIsCapped() {
        let configuration = FailoverConfiguration(initialBackoff: .milliseconds(200), maxBackoff: .seconds(1))
        #expect((1...6).map { configuration.backoff(afterRounds: $0) }
            == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1), .seconds(1)])
    }

    @Test func addressesAndLists() {
        #expect(ServerAddress("[::1]:7421") == ServerAddress(host: "::1", port: 7421))
        #expect(ServerAddress("[::1]:7421")?.description == "[::1]:7421")
        #expect(ServerAddress("db") == ServerAddress(host: "db", port: 7420))
        #expect(ServerAddress("::1") == nil)
        #expect(ServerAddress.list("a:1, [::1]:2,,b") == [
            ServerAddress(host: "a", port: 1), ServerAddress(host: "::1", port: 2), ServerAddress(host: "b", port: 7420),
        ])
        #expect(ServerAddress.list("a:1,b:x") == nil)
    }
}
