import AgentCore
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams
import Testing

@testable import Broker

/// Several daemons on one Redis and key prefix: each `RedisStore` here is one daemon (its own
/// daemon id, or a new instance of the same id for a restart). One test at a time: they
/// mostly wait for leases, and the whole test run shares two cores.
@Suite(.enabled(if: StoreBackend.redisAddress != nil, "set AGENTD_TEST_REDIS=HOST:PORT (scripts/with-redis.sh)"), .serialized)
struct RedisStoreDaemonsTests {
    private let inbox = "agent-a"

    /// The consumer names of the group on `stream`.
    private func consumers(_ redis: RedisPrefix, _ stream: String) async throws -> [String] {
        let reply = try await redis.execute("XINFO", "CONSUMERS", stream, "agentd")
        return (reply.array ?? []).compactMap { consumer -> String? in
            let fields = consumer.array ?? []
            guard let index = fields.firstIndex(where: { $0.string == "name" }), index + 1 < fields.count else { return nil }
            return fields[index + 1].string
        }
    }

    private func leaseExpired(_ redis: RedisPrefix, _ daemon: String) async throws -> Bool {
        try await redis.execute("EXISTS", redis.key("daemon:" + daemon)).int == 0
    }

    // MARK: Takeover

    @Test func takeOverReleasesAnotherDaemonsDeliveries() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let a = redis.store(daemonID: "daemon-a")
            let b = redis.store(daemonID: "daemon-b")
            let loop = redis.loop
            for id in ["m1", "m2", "m3"] {
                try await a.send(testMessage(id), on: loop)
            }
            try await a.send(testMessage("c1", priority: .critical), on: loop)
            let taken = try await a.take(3, on: loop).taken
            #expect(taken.map(\.messageID) == ["c1", "m1", "m2"])
            #expect(taken.map(\.attempt) == [1, 1, 1])
            let medium = redis.key("q:{agent-a}:medium")
            #expect(try await self.consumers(redis, medium).contains("daemon-a"))

            #expect(try await b.takeOver(daemon: "daemon-a", on: loop).get() == 3)
            // A's consumer is gone from every stream; nothing is pending for it any more.
            #expect(try await !self.consumers(redis, medium).contains("daemon-a"))
            #expect(try await !self.consumers(redis, redis.key("q:{agent-a}:critical")).contains("daemon-a"))
            #expect(try await a.pending(inbox: self.inbox, on: loop).get().isEmpty)

            // B delivers them again, as attempt 2, before what was never read.
            let again = try await b.take(on: loop)
            #expect(ids(again) == ["c1", "m1", "m2", "m3"])
            #expect(again.taken.map(\.attempt) == [2, 2, 2, 1])
            #expect(again.taken.prefix(3).map(\.ref) == taken.map(\.ref))
            #expect(try await b.pending(inbox: self.inbox, on: loop).get().map(\.deliveries) == [2, 2, 2, 1])
            #expect(try await self.consumers(redis, medium).contains("daemon-b"))
            // Nothing was lost or counted twice.
            let counters = try await b.counters(on: loop)
            #expect(counters.pending == 4)
            #expect(counters.delivered == 7)
            // Taken over twice: the second finds nothing.
            #expect(try await b.takeOver(daemon: "daemon-a", on: loop).get() == 0)
        }
    }

    /// A nack delay that was waiting when the daemon died keeps its time.
    @Test func takeOverKeepsAWaitingNackDelay() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let a = redis.store(daemonID: "daemon-a")
            let b = redis.store(daemonID: "daemon-b")
            let loop = redis.loop
            try await a.send(testMessage("m1"), on: loop)
            let taken = try await a.take(on: loop).taken
            let released = try await redis.time()
            #expect(try await a.release(taken, delay: 60_000, on: loop) == 1)
            #expect(try await b.takeOver(daemon: "daemon-a", on: loop).get() == 1)
            let early = try await b.take(on: loop)
            let now = try await redis.time()
            #expect(early.taken.isEmpty)
            // Due 60 s after the release, not now.
            let retryIn = try #require(early.retryInMilliseconds)
            #expect(retryIn <= 60_000 && retryIn >= released + 60_000 - now)
        }
    }

    /// What the engine does at start: a new instance with the same daemon id hands back what
    /// the previous run had delivered.
    @Test func aRestartedDaemonHandsBackItsPreviousRunsDeliveries() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let first = redis.store(daemonID: "daemon-a")
            try await first.send(testMessage("m1"), on: loop)
            #expect(try await first.take(on: loop).taken.map(\.attempt) == [1])
            first.shutdown()

            let second = redis.store(daemonID: "daemon-a")
            #expect(try await second.takeOver(daemon: "daemon-a", on: loop).get() == 1)
            let again = try await second.take(on: loop)
            #expect(ids(again) == ["m1"])
            #expect(again.taken.map(\.attempt) == [2])
            #expect(try await second.takeOver(daemon: "nobody", on: loop).get() == 0)
        }
    }

    /// Relative times (TTL, delay, nack delay) are made absolute by the store, on Redis' clock.
    @Test func timesAreMeasuredOnRedisClock() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let store = redis.store(daemonID: "daemon-a")
            let loop = redis.loop
            let before = try await redis.time()
            try await store.send(testMessage("ttl", ttl: 60_000), on: loop)
            try await store.send(testMessage("delayed", delay: 30_000), on: loop)
            let taken = try await store.take(on: loop).taken
            #expect(taken.map(\.messageID) == ["ttl"])
            try await store.release(taken, delay: 45_000, on: loop)
            let after = try await redis.time()

            let entries = try await redis.execute("XRANGE", redis.key("q:{agent-a}:medium"), "-", "+")
            let entry = try #require(entries.array?.first?.array)
            let fields = try #require(entry.last?.array).compactMap(\.string)
            let x = try #require(fields.firstIndex(of: "x").flatMap { Int64(fields[$0 + 1]) })
            #expect((before + 60_000)...(after + 60_000) ~= x)

            let delayed = try await redis.execute("ZRANGE", redis.key("d:{agent-a}"), "0", "-1", "WITHSCORES")
            let due = try #require(delayed.array?.last?.string.flatMap { Int64($0) })
            #expect((before + 30_000)...(after + 30_000) ~= due)

            let retries = try await redis.execute("ZRANGE", redis.key("r:{agent-a}"), "0", "-1", "WITHSCORES")
            #expect(retries.array?.first?.string == "3:\(taken[0].ref.entryID)")
            let retryDue = try #require(retries.array?.last?.string.flatMap { Int64($0) })
            #expect((before + 45_000)...(after + 45_000) ~= retryDue)
        }
    }

    // MARK: Wake-ups

    @Test func watchedInboxesWakeOnOtherDaemonsWork() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let a = redis.store(daemonID: "daemon-a")
            let b = redis.store(daemonID: "daemon-b")
            let loop = redis.loop
            let wakes = NIOLockedValueBox<[String]>([])
            b.startWatching { agent in wakes.withLockedValue { $0.append(agent) } }
            /// Waits for the wake-up of `agent`, which must be the only one since the last.
            func expectWake(_ agent: String, _ comment: Comment) async throws {
                #expect(try await eventually { wakes.withLockedValue { $0.contains(agent) } }, comment)
                #expect(wakes.withLockedValue { $0 } == [agent], comment)
                wakes.withLockedValue { $0.removeAll() }
            }

            // The subscription itself wakes the inbox: news sent before it may have been missed.
            b.watch(self.inbox)
            try await expectWake(self.inbox, "subscribed")

            try await a.send(testMessage("plain"), on: loop)
            try await expectWake(self.inbox, "plain send")
            try await a.send(testMessage("scripted", clientChosen: true), on: loop)
            try await expectWake(self.inbox, "send script")
            try await a.send(testMessage("later", delay: 60_000), on: loop)
            try await expectWake(self.inbox, "delayed send")
            let taken = try await a.take(1, on: loop).taken
            try await a.release(taken, on: loop)
            try await expectWake(self.inbox, "release")
            let again = try await a.take(1, on: loop).taken
            let reason = DeadLetterReason(reason: "r", attempts: 2, at: Timestamp(millisecondsSinceEpoch: 0))
            try await a.deadLetter(inbox: self.inbox, ref: again[0].ref, reason: reason, on: loop).get()
            #expect(try await a.requeueDead(inbox: self.inbox, messageIDs: [again[0].messageID], on: loop).get() == 1)
            try await expectWake(self.inbox, "requeued dead letter")
            let more = try await a.take(on: loop).taken
            #expect(!more.isEmpty)
            let c = redis.store(daemonID: "daemon-c")
            #expect(try await c.takeOver(daemon: "daemon-a", on: loop).get() == more.count)
            try await expectWake(self.inbox, "takeover")

            // Its own work does not wake a daemon (it knew already): B's send to agent-a, then
            // A's to agent-b; only A's arrives (one connection delivers in publishing order).
            b.watch("agent-b")
            try await expectWake("agent-b", "subscribed to agent-b")
            try await b.send(testMessage("own"), on: loop)
            try await a.send(testMessage("barrier", to: "agent-b"), on: loop)
            try await expectWake("agent-b", "send to agent-b, and none of B's own")

            // Unwatched: no news of the inbox any more; unwatched inboxes were never news.
            b.unwatch(self.inbox)
            let channel = redis.key("w:{agent-a}")
            #expect(try await eventually {
                try await redis.execute("PUBSUB", "NUMSUB", channel).array?.last?.int == 0
            })
            try await a.send(testMessage("unheard"), on: loop)
            try await a.send(testMessage("elsewhere", to: "agent-c"), on: loop)
            try await a.send(testMessage("for-b", to: "agent-b"), on: loop)
            try await expectWake("agent-b", "only agent-b is watched")
        }
    }

    // MARK: Daemon directory

    @Test func joinIsRefusedWhileAnotherInstanceHoldsTheID() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let first = redis.store(daemonID: "d1")
            let twin = redis.store(daemonID: "d1")
            #expect(try await first.join(leaseMilliseconds: 120_000, on: loop).get())
            // The holder may join again (a retry of its own join).
            #expect(try await first.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await !twin.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await twin.renew(leaseMilliseconds: 120_000, on: loop).get() == (.lost, 1))
            // A graceful leave frees the id at once.
            try await first.leave(on: loop).get()
            #expect(try await first.liveDaemons(on: loop).get().isEmpty)
            #expect(try await twin.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await first.renew(leaseMilliseconds: 120_000, on: loop).get() == (.lost, 1))
            // Leaving is only for the holder: the old instance's leave changes nothing.
            try await first.leave(on: loop).get()
            #expect(try await twin.liveDaemons(on: loop).get() == ["d1"])
            #expect(try await twin.renew(leaseMilliseconds: 120_000, on: loop).get() == (.renewed, 1))
        }
    }

    @Test func renewAnswersRenewedThenLapsedOnceTheLeaseRanOut() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let daemon = redis.store(daemonID: "d1")
            let other = redis.store(daemonID: "d2")
            #expect(try await other.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await daemon.join(leaseMilliseconds: 120_000, on: loop).get())
            // Renewed for a short lease, which then runs out.
            #expect(try await daemon.renew(leaseMilliseconds: 150, on: loop).get() == (.renewed, 2))
            #expect(try await eventually { try await self.leaseExpired(redis, "d1") })
            #expect(try await other.liveDaemons(on: loop).get() == ["d2"])
            // Taken again, with the news that others may have taken over meanwhile.
            #expect(try await daemon.renew(leaseMilliseconds: 120_000, on: loop).get() == (.lapsed, 2))
            #expect(try await daemon.renew(leaseMilliseconds: 120_000, on: loop).get() == (.renewed, 2))
        }
    }

    @Test func figuresAreSharedByLiveDaemonsOnly() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let a = redis.store(daemonID: "a")
            let b = redis.store(daemonID: "b")
            let c = redis.store(daemonID: "c")
            for store in [a, b, c] {
                #expect(try await store.join(leaseMilliseconds: 120_000, on: loop).get())
            }
            try await a.report(DaemonFigures(inFlight: 3, sendsPerMinute: 40), on: loop).get()
            try await b.report(DaemonFigures(inFlight: 2, sendsPerMinute: 7), on: loop).get()
            // c has not reported yet: live, with nothing counted.
            #expect(
                try await c.liveDaemonFigures(on: loop).get() == [
                    "a": DaemonFigures(inFlight: 3, sendsPerMinute: 40),
                    "b": DaemonFigures(inFlight: 2, sendsPerMinute: 7),
                    "c": .zero,
                ]
            )
            // A graceful goodbye takes a's figures away; a dead daemon's go with its takeover.
            try await a.leave(on: loop).get()
            try await b.finishTakeOver(of: "b", on: loop).get()
            #expect(try await c.liveDaemonFigures(on: loop).get() == ["b": DaemonFigures(inFlight: 2, sendsPerMinute: 7), "c": .zero])
            #expect(try await redis.execute("HLEN", redis.key("dfigures")).int == 1)
        }
    }

    @Test func liveDaemonsCountsLeasesNotRunOut() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let a = redis.store(daemonID: "a")
            let b = redis.store(daemonID: "b")
            let c = redis.store(daemonID: "c")
            #expect(try await a.liveDaemons(on: loop).get().isEmpty)
            #expect(try await a.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await b.join(leaseMilliseconds: 120_000, on: loop).get())
            let joined = try await redis.time()
            #expect(try await c.join(leaseMilliseconds: 500, on: loop).get())
            let live = try await a.liveDaemons(on: loop).get()
            if try await redis.time() < joined + 500 {
                #expect(Set(live) == ["a", "b", "c"])
            }
            #expect(try await eventually { try await Set(a.liveDaemons(on: loop).get()) == ["a", "b"] })
            try await b.leave(on: loop).get()
            #expect(try await a.liveDaemons(on: loop).get() == ["a"])
            #expect(try await a.renew(leaseMilliseconds: 120_000, on: loop).get() == (.renewed, 1))
        }
    }

    @Test func aDeadDaemonIsClaimedOnceAcrossTwoStores() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let dead = redis.store(daemonID: "dead")
            let alive = redis.store(daemonID: "alive")
            let x = redis.store(daemonID: "x")
            let y = redis.store(daemonID: "y")
            #expect(try await alive.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await dead.join(leaseMilliseconds: 100, on: loop).get())
            #expect(try await x.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await y.join(leaseMilliseconds: 120_000, on: loop).get())
            #expect(try await eventually { try await self.leaseExpired(redis, "dead") })

            // At the same time: one of them gets it; the live daemons are nobody's.
            async let byX = x.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get()
            async let byY = y.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get()
            let claims = try await [byX, byY]
            #expect(claims.flatMap { $0 } == ["dead"])
            // Reserved by its taker: nobody claims it again meanwhile, nor once it is done.
            #expect(try await x.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get().isEmpty)
            #expect(try await y.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get().isEmpty)
            let taker = claims[0].isEmpty ? y : x
            try await taker.finishTakeOver(of: "dead", on: loop).get()
            #expect(try await x.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get().isEmpty)
            #expect(try await y.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get().isEmpty)
            #expect(try await Set(x.liveDaemons(on: loop).get()) == ["alive", "x", "y"])
        }
    }

    /// A taker that dies in turn leaves its reservation to run out; then another claims it.
    @Test func anAbandonedTakeoverIsClaimedAgain() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let dead = redis.store(daemonID: "dead")
            let x = redis.store(daemonID: "x")
            let y = redis.store(daemonID: "y")
            #expect(try await dead.join(leaseMilliseconds: 100, on: loop).get())
            #expect(try await eventually { try await self.leaseExpired(redis, "dead") })
            #expect(try await x.claimDeadDaemons(reserveMilliseconds: 150, on: loop).get() == ["dead"])
            var reclaimed: [String] = []
            #expect(try await eventually {
                reclaimed = try await y.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get()
                return !reclaimed.isEmpty
            })
            #expect(reclaimed == ["dead"])
            try await y.finishTakeOver(of: "dead", on: loop).get()
            #expect(try await x.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get().isEmpty)
        }
    }

    /// The inbox set tells a taker where the dead daemon's deliveries are; a finished takeover
    /// deletes it, and a daemon whose lease had lapsed records its inboxes again at renewal.
    @Test func aLapsedDaemonRecordsItsInboxesAgainAfterATakeover() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let a = redis.store(daemonID: "a")
            let b = redis.store(daemonID: "b")
            let inboxes = redis.key("dinbox:a")
            #expect(try await a.join(leaseMilliseconds: 150, on: loop).get())
            try await a.send(testMessage("m1"), on: loop)
            try await a.send(testMessage("b1", to: "agent-b"), on: loop)
            _ = try await a.take(on: loop)
            _ = try await a.take(from: "agent-b", on: loop)
            #expect(try await redis.execute("SCARD", inboxes).int == 2)

            #expect(try await eventually { try await self.leaseExpired(redis, "a") })
            #expect(try await b.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get() == ["a"])
            #expect(try await b.takeOver(daemon: "a", on: loop).get() == 2)
            try await b.finishTakeOver(of: "a", on: loop).get()
            #expect(try await redis.execute("EXISTS", inboxes).int == 0)
            #expect(try await b.take(on: loop).taken.map(\.attempt) == [2])

            #expect(try await a.renew(leaseMilliseconds: 120_000, on: loop).get().0 == .lapsed)
            let members = try await redis.execute("SMEMBERS", inboxes).array?.compactMap(\.string) ?? []
            #expect(Set(members) == ["agent-a", "agent-b"])
        }
    }

    /// A takeover that finishes after its daemon came back to life keeps the daemon's inbox set.
    @Test func finishingATakeoverOfADaemonBackToLifeKeepsItsInboxSet() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let a = redis.store(daemonID: "a")
            let b = redis.store(daemonID: "b")
            #expect(try await a.join(leaseMilliseconds: 100, on: loop).get())
            try await a.send(testMessage("m1"), on: loop)
            _ = try await a.take(on: loop)
            #expect(try await eventually { try await self.leaseExpired(redis, "a") })
            #expect(try await b.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get() == ["a"])
            #expect(try await a.renew(leaseMilliseconds: 120_000, on: loop).get().0 == .lapsed)
            _ = try await b.takeOver(daemon: "a", on: loop).get()
            try await b.finishTakeOver(of: "a", on: loop).get()
            #expect(try await redis.execute("SMEMBERS", redis.key("dinbox:a")).array?.compactMap(\.string) == ["agent-a"])
            #expect(try await b.claimDeadDaemons(reserveMilliseconds: 120_000, on: loop).get().isEmpty)
        }
    }

    // MARK: Membership

    @Test func membershipTakesOverADeadDaemon() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let a = redis.store(daemonID: "a")
            let b = redis.store(daemonID: "b")
            #expect(try await a.join(leaseMilliseconds: 1_000, on: loop).get())
            try await a.send(testMessage("m1"), on: loop)
            #expect(try await a.take(on: loop).taken.map(\.attempt) == [1])

            let membership = DaemonMembership(store: b, leaseMilliseconds: 120_000, loop: loop, logger: Logger(label: "test"))
            try await membership.join()
            // A stops renewing: one of B's ticks after A's lease ran out hands its delivery back.
            var again: [TakenMessage] = []
            #expect(try await eventually {
                await membership.tick()
                again = try await b.take(on: loop).taken
                return !again.isEmpty
            })
            #expect(again.map(\.messageID) == ["m1"])
            #expect(again.map(\.attempt) == [2])
            // Counted at the renewal, which may have come just before A's lease ran out.
            await membership.tick()
            #expect(membership.liveDaemons == 1)
            #expect(try await redis.execute("EXISTS", redis.key("dinbox:a")).int == 0)
        }
    }

    @Test func membershipJoinRefusesALiveTwin() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let twin = redis.store(daemonID: "same")
            #expect(try await twin.join(leaseMilliseconds: 120_000, on: loop).get())
            let membership = DaemonMembership(
                store: redis.store(daemonID: "same"),
                leaseMilliseconds: 300,
                loop: loop,
                logger: Logger(label: "test")
            )
            await #expect(throws: DaemonIDTaken.self) { try await membership.join() }
        }
    }

    /// A predecessor killed a moment ago still holds the id until its lease runs out.
    @Test func membershipJoinWaitsForAPredecessorsLease() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let predecessor = redis.store(daemonID: "same")
            #expect(try await predecessor.join(leaseMilliseconds: 200, on: loop).get())
            // Waits up to its own lease (and a bit) for the old one to run out.
            let membership = DaemonMembership(
                store: redis.store(daemonID: "same"),
                leaseMilliseconds: 1_000,
                loop: loop,
                logger: Logger(label: "test")
            )
            try await membership.join()
            #expect(membership.liveDaemons == 1)
        }
    }

    @Test func membershipLeaveHandsBackDeliveriesAndTheLease() async throws {
        try await withRedisPrefix { (redis: RedisPrefix) async throws in
            let loop = redis.loop
            let a = redis.store(daemonID: "a")
            let b = redis.store(daemonID: "b")
            let membership = DaemonMembership(store: a, leaseMilliseconds: 120_000, loop: loop, logger: Logger(label: "test"))
            try await membership.join()
            try await a.send(testMessage("m1"), on: loop)
            _ = try await a.take(on: loop)
            await membership.leave()
            #expect(try await b.liveDaemons(on: loop).get().isEmpty)
            #expect(try await b.take(on: loop).taken.map(\.attempt) == [2])
            #expect(try await redis.execute("EXISTS", redis.key("dinbox:a")).int == 0)
        }
    }
}
