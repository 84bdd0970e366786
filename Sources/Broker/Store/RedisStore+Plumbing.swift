import AgentCore
import NIOConcurrencyHelpers
import NIOCore
import RedisStreams

/// One command of a store call: plain, or a script with what follows it (key count, keys,
/// arguments), sent as EVALSHA (every connection loads the scripts when it opens).
enum StoreCommand {
    case plain(RedisCommand)
    case script(RedisScripts.Script, RedisCommand)
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
    /// becomes `unavailable`. Scripts go by SHA1: each connection loads them when it opens. One
    /// Redis does not know all the same (`SCRIPT FLUSH` by an operator) is run again from its
    /// source, on its own, once the batch is answered; the answer keeps its place. The answer
    /// arrives on `loop`, with no thread hop.
    func call(_ commands: [StoreCommand], on loop: any EventLoop) -> EventLoopFuture<[RedisReply]> {
        let promise = loop.makePromise(of: [RedisReply].self)
        self.call(commands, on: loop) { promise.completeWith($0) }
        return promise.futureResult
    }

    /// `call`, answering through `completion` (on `loop`): the hot paths (send, take, ack) make
    /// one promise of their own instead of a chain of futures.
    func call(_ commands: [StoreCommand], on loop: any EventLoop, completion: @escaping @Sendable (Result<[RedisReply], any Error>) -> Void) {
        let wire = commands.map { command in
            switch command {
            case .plain(let plain): plain
            case .script(let script, let tail): Self.evalSHA(script.sha, tail)
            }
        }
        self.client.submit(wire, on: loop) { result in
            let result = Self.storeResult(result)
            guard case .success(let answers) = result else { return completion(result) }
            var retries: [(Int, RedisCommand)] = []
            for (index, command) in commands.enumerated() {
                if case .script(let script, let tail) = command, answers[index].isNoScriptError {
                    retries.append((index, Self.eval(script, tail)))
                }
            }
            guard !retries.isEmpty else { return completion(.success(answers)) }
            let retried = retries
            self.client.submit(retried.map(\.1), on: loop) { again in
                completion(Self.storeResult(again).map { again in
                    var answers = answers
                    for (retry, reply) in zip(retried, again) { answers[retry.0] = reply }
                    return answers
                })
            }
        }
    }

    /// The client's answer in the store's terms: a connection failure, or an error reply that
    /// says Redis cannot serve now, is `unavailable`.
    private static func storeResult(_ result: Result<[RedisReply], RedisStreamsError>) -> Result<[RedisReply], any Error> {
        switch result {
        case .success(let replies):
            if let busy = replies.lazy.compactMap(\.errorMessage).first(where: Self.isServerUnavailable) {
                return .failure(AgentdError.unavailable("store unavailable: \(busy)"))
            }
            return .success(replies)
        case .failure(let error):
            return .failure(AgentdError.unavailable("store unavailable: \(error.message)", cause: error))
        }
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
