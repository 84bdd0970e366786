import AgentCore
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams

/// One command of a store call: plain, or a script with what follows it (key count, keys,
/// arguments), sent as EVALSHA once its SHA1 is known.
enum StoreCommand {
    case plain(RedisCommand)
    case script(RedisScripts.Script, RedisCommand)
}

/// SHA1s of the scripts Redis has loaded, by name; EVALSHA saves sending the source with every
/// call. Filled by SCRIPT LOAD riding along with a script's first EVAL.
final class ScriptSHAs: Sendable {
    private let shas = NIOLockedValueBox<[String: String]>([:])

    subscript(name: String) -> String? {
        self.shas.withLockedValue { $0[name] }
    }

    func learn(_ name: String, _ sha: String) {
        self.shas.withLockedValue { $0[name] = sha }
    }

    func forget(_ name: String) {
        self.shas.withLockedValue { _ = $0.removeValue(forKey: name) }
    }
}

/// Running scripts and commands: EVALSHA with a fallback to EVAL, answers batched per loop,
/// connection failures as `unavailable`.
extension RedisStore {
    /// Runs a script with `keys` and `arguments` (for the less frequent scripts).
    func run(
        _ script: RedisScripts.Script,
        keys: [String],
        arguments: [[UInt8]],
        on loop: any EventLoop
    ) -> EventLoopFuture<RedisReply> {
        var tail = RedisCommand()
        tail.append(keys.count)
        for key in keys { tail.append(key) }
        for argument in arguments { tail.append(argument) }
        return self.run(script, tail, on: loop)
    }

    /// Runs one script; an error reply fails the future as `internal`.
    func run(_ script: RedisScripts.Script, _ tail: RedisCommand, on loop: any EventLoop) -> EventLoopFuture<RedisReply> {
        self.call([.script(script, tail)], on: loop).flatMap { replies in
            Self.checked(replies[0], script.name, on: loop)
        }
    }

    /// Submits commands on `loop`'s Redis connection, back to back; a connection failure
    /// becomes `unavailable`. A script Redis does not know (its cache is lost at a restart) is
    /// run again from its source, on its own, once the batch is answered; the answer keeps
    /// its place. The answer arrives on `loop`, with no thread hop.
    func call(_ commands: [StoreCommand], on loop: any EventLoop) -> EventLoopFuture<[RedisReply]> {
        var wire: [RedisCommand] = []
        wire.reserveCapacity(commands.count + 1)
        var loading: [String] = []
        for command in commands {
            switch command {
            case .plain(let plain):
                wire.append(plain)
            case .script(let script, let tail):
                if let sha = self.shas[script.name] {
                    wire.append(Self.evalSHA(sha, tail))
                } else {
                    wire.append(Self.eval(script, tail))
                    loading.append(script.name)
                }
            }
        }
        // Learn the SHA1s of scripts sent by source, in the same round trip.
        let learned = loading.compactMap { name in commands.lazy.compactMap { command -> RedisScripts.Script? in
            if case .script(let script, _) = command, script.name == name { return script }
            return nil
        }.first }
        for script in learned { wire.append(.scriptLoad(script.source)) }
        return self.submit(wire, on: loop).flatMap { replies in
            for (script, reply) in zip(learned, replies.suffix(learned.count)) {
                if let sha = reply.string, reply.errorMessage == nil { self.shas.learn(script.name, sha) }
            }
            let answers = Array(replies.prefix(commands.count))
            var retries: [(Int, RedisScripts.Script, RedisCommand)] = []
            for (index, command) in commands.enumerated() {
                if case .script(let script, let tail) = command, answers[index].isNoScriptError {
                    self.shas.forget(script.name)
                    retries.append((index, script, tail))
                }
            }
            guard !retries.isEmpty else { return loop.makeSucceededFuture(answers) }
            let first = answers
            let retried = retries
            return self.call(retried.map { .script($0.1, $0.2) }, on: loop).map { again in
                var answers = first
                for (retry, reply) in zip(retried, again) { answers[retry.0] = reply }
                return answers
            }
        }
    }

    private func submit(_ commands: [RedisCommand], on loop: any EventLoop) -> EventLoopFuture<[RedisReply]> {
        let promise = loop.makePromise(of: [RedisReply].self)
        self.client.submit(commands, on: loop) { result in
            switch result {
            case .success(let replies):
                if let busy = replies.lazy.compactMap(\.errorMessage).first(where: Self.isServerUnavailable) {
                    promise.fail(AgentdError.unavailable("store unavailable: \(busy)"))
                } else {
                    promise.succeed(replies)
                }
            case .failure(let error):
                promise.fail(AgentdError.unavailable("store unavailable: \(error.message)", cause: error))
            }
        }
        return promise.futureResult
    }

    static func evalSHA(_ sha: String, _ tail: RedisCommand) -> RedisCommand {
        var command = RedisCommand(capacity: tail.encodedArguments.count + 64)
        command.append("EVALSHA")
        command.append(sha)
        command.append(contentsOf: tail)
        return command
    }

    static func eval(_ script: RedisScripts.Script, _ tail: RedisCommand) -> RedisCommand {
        var command = RedisCommand(capacity: tail.encodedArguments.count + script.source.utf8.count + 16)
        command.append("EVAL")
        command.append(script.source)
        command.append(contentsOf: tail)
        return command
    }

    static func checked(_ reply: RedisReply, _ name: String, on loop: any EventLoop) -> EventLoopFuture<RedisReply> {
        if let message = reply.errorMessage {
            return loop.makeFailedFuture(AgentdError.internal(cause: RedisStoreError(message: "script \(name): \(message)")))
        }
        return loop.makeSucceededFuture(reply)
    }

    /// Error replies that say Redis cannot serve right now (still loading its data after a
    /// restart, a script running too long, a replica without its primary or read-only), as
    /// opposed to a command's own error: the request should be retried, so `unavailable`.
    static func isServerUnavailable(_ message: String) -> Bool {
        ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "READONLY"].contains { message.hasPrefix($0 + " ") || message == $0 }
    }

    static func unexpected(_ operation: String, _ reply: RedisReply) -> AgentdError {
        .internal(cause: RedisStoreError(message: "\(operation): unexpected reply \(reply.kindDescription)"))
    }
}
