import AgentCore
import NIOCore
import RedisStreams

/// The daemon directory on Redis (`RedisScripts+Daemons`) and the takeover of a dead daemon's
/// deliveries.
extension RedisStore {
    public func join(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<Bool> {
        self.run(RedisScripts.join, keys: self.leaseKeys, arguments: self.leaseArguments(leaseMilliseconds), on: loop)
            .map { $0.int == 1 }
    }

    public func renew(leaseMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<(LeaseStatus, Int)> {
        self.run(RedisScripts.renew, keys: self.leaseKeys, arguments: self.leaseArguments(leaseMilliseconds), on: loop)
            .flatMap { reply in
                guard let items = reply.array, items.count == 2, let status = items[0].int, let live = items[1].int else {
                    return loop.makeFailedFuture(Self.unexpected("renew", reply))
                }
                switch status {
                case 1:
                    return loop.makeSucceededFuture((.renewed, Int(live)))
                case 2:
                    // A takeover may have emptied this daemon's inbox set: record every inbox
                    // it has taken from again, before anything else is written on this loop.
                    let inboxes = self.inboxesRecorded.withLockedValue { Array($0) }
                    guard !inboxes.isEmpty else { return loop.makeSucceededFuture((.lapsed, Int(live))) }
                    let add = RedisCommand("SADD", arguments: [self.keys.daemonInboxes(self.daemonID)] + inboxes)
                    return self.call([.plain(add)], on: loop).map { _ in (.lapsed, Int(live)) }
                default:
                    return loop.makeSucceededFuture((.lost, Int(live)))
                }
            }
    }

    public func leave(on loop: any EventLoop) -> EventLoopFuture<Void> {
        let arguments = [Array(self.daemonID.utf8), Array(self.instance.utf8)]
        return self.run(RedisScripts.leave, keys: self.leaseKeys + [self.keys.daemonFigures], arguments: arguments, on: loop).map { _ in () }
    }

    public func claimDeadDaemons(reserveMilliseconds: Int, on loop: any EventLoop) -> EventLoopFuture<[String]> {
        let keys = [self.keys.daemons, self.keys.reaping]
        return self.run(RedisScripts.claimDead, keys: keys, arguments: [Array(String(reserveMilliseconds).utf8)], on: loop)
            .map { reply in (reply.array ?? []).compactMap(\.string) }
    }

    public func finishTakeOver(of daemon: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let keys = [self.keys.daemons, self.keys.reaping, self.keys.daemonInboxes(daemon), self.keys.daemonFigures]
        return self.run(RedisScripts.finishTakeOver, keys: keys, arguments: [Array(daemon.utf8)], on: loop).map { _ in () }
    }

    public func liveDaemons(on loop: any EventLoop) -> EventLoopFuture<[String]> {
        self.run(RedisScripts.live, keys: [self.keys.daemons], arguments: [], on: loop).map { reply in
            (reply.array ?? []).compactMap(\.string).sorted()
        }
    }

    public func report(_ figures: DaemonFigures, on loop: any EventLoop) -> EventLoopFuture<Void> {
        let value = "\(figures.inFlight) \(figures.sendsPerMinute)"
        return self.call([.plain(RedisCommand("HSET", self.keys.daemonFigures, self.daemonID, value))], on: loop).map { _ in () }
    }

    public func liveDaemonFigures(on loop: any EventLoop) -> EventLoopFuture<[String: DaemonFigures]> {
        self.run(RedisScripts.liveFigures, keys: [self.keys.daemons, self.keys.daemonFigures], arguments: [], on: loop).map { reply in
            let items = reply.array ?? []
            var figures: [String: DaemonFigures] = [:]
            var index = 0
            while index + 1 < items.count {
                if let id = items[index].string {
                    let numbers = (items[index + 1].string ?? "").split(separator: " ").compactMap { Int($0) }
                    figures[id] = numbers.count == 2 ? DaemonFigures(inFlight: numbers[0], sendsPerMinute: numbers[1]) : .zero
                }
                index += 2
            }
            return figures
        }
    }

    public func takeOver(daemon: String, on loop: any EventLoop) -> EventLoopFuture<Int> {
        self.call([.plain(RedisCommand("SMEMBERS", self.keys.daemonInboxes(daemon)))], on: loop).flatMap { replies in
            let inboxes = (replies[0].array ?? []).compactMap(\.string)
            return self.takeOver(daemon: daemon, inboxes: inboxes[...], moved: 0, on: loop)
        }
    }

    /// One script per inbox, 100 inboxes per round trip.
    private func takeOver(daemon: String, inboxes: ArraySlice<String>, moved: Int, on loop: any EventLoop) -> EventLoopFuture<Int> {
        guard !inboxes.isEmpty else { return loop.makeSucceededFuture(moved) }
        let batch = inboxes.prefix(100)
        let commands = batch.map { inbox -> StoreCommand in
            var tail = RedisCommand()
            tail.append(5)
            for key in self.keys.streams(inbox) { tail.append(key) }
            tail.append(self.keys.retries(inbox))
            tail.append(daemon)
            tail.append(Self.releasedConsumer)
            tail.append(self.keys.wake(inbox))
            return .script(RedisScripts.takeOver, tail)
        }
        return self.call(commands, on: loop).flatMap { replies in
            var total = moved
            for reply in replies {
                if let message = reply.errorMessage {
                    return loop.makeFailedFuture(AgentdError.internal(cause: RedisStoreError(message: "takeover: \(message)")))
                }
                total += Int(reply.int ?? 0)
            }
            return self.takeOver(daemon: daemon, inboxes: inboxes.dropFirst(batch.count), moved: total, on: loop)
        }
    }

    /// Holds the entries of retired consumers until a take claims them from the retry set: not
    /// a daemon (`/` is not allowed in a daemon id), so it is never retired itself and never
    /// leaves a consumer behind in a stream a daemon no longer uses.
    static let releasedConsumer = "agentd/released"

    private var leaseKeys: [String] {
        [self.keys.daemons, self.keys.daemonLease(self.daemonID)]
    }

    private func leaseArguments(_ leaseMilliseconds: Int) -> [[UInt8]] {
        [Array(self.daemonID.utf8), Array(self.instance.utf8), Array(String(leaseMilliseconds).utf8)]
    }
}
