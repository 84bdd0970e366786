import AgentCore
import NIOCore
import RedisStreams

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

    /// Runs a script by SHA1 when known, else by source (learning the SHA1 in the same round
    /// trip). `tail` is what follows the script: the key count, the keys, the arguments.
    func run(_ script: RedisScripts.Script, _ tail: RedisCommand, on loop: any EventLoop) -> EventLoopFuture<RedisReply> {
        if let sha = self.shas.withLockedValue({ $0[script.name] }) {
            return self.call([Self.evalSHA(sha, tail)], on: loop).flatMap { replies in
                let reply = replies[0]
                guard reply.isNoScriptError else { return Self.checked(reply, script.name, on: loop) }
                // Redis lost its script cache (restart): run by source and learn the SHA1 again.
                self.shas.withLockedValue { _ = $0.removeValue(forKey: script.name) }
                return self.run(script, tail, on: loop)
            }
        }
        var command = RedisCommand()
        command.append("EVAL")
        command.append(script.source)
        command.append(contentsOf: tail)
        return self.call([command, .scriptLoad(script.source)], on: loop).flatMap { replies in
            if let sha = replies[1].string, replies[1].errorMessage == nil {
                self.shas.withLockedValue { $0[script.name] = sha }
            }
            return Self.checked(replies[0], script.name, on: loop)
        }
    }

    static func evalSHA(_ sha: String, _ tail: RedisCommand) -> RedisCommand {
        var command = RedisCommand(capacity: tail.encodedArguments.count + 64)
        command.append("EVALSHA")
        command.append(sha)
        command.append(contentsOf: tail)
        return command
    }

    static func checkedReply(_ reply: RedisReply, _ name: String) throws -> RedisReply {
        if let message = reply.errorMessage {
            throw AgentdError.internal(cause: RedisStoreError(message: "script \(name): \(message)"))
        }
        return reply
    }

    static func checked(_ reply: RedisReply, _ name: String, on loop: any EventLoop) -> EventLoopFuture<RedisReply> {
        if let message = reply.errorMessage {
            return loop.makeFailedFuture(AgentdError.internal(cause: RedisStoreError(message: "script \(name): \(message)")))
        }
        return loop.makeSucceededFuture(reply)
    }

    /// Submits commands on `loop`'s Redis connection; a connection failure becomes
    /// `unavailable`. The answer arrives on `loop`, with no thread hop.
    func call(_ commands: [RedisCommand], on loop: any EventLoop) -> EventLoopFuture<[RedisReply]> {
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
