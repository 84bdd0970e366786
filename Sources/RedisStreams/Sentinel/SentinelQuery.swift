import NIOCore
import NIOPosix

/// Asks sentinels where the master is: `SENTINEL get-master-addr-by-name`, one short
/// connection per sentinel, in order, until one knows.
enum SentinelQuery {
    /// The master's address according to the first sentinel that answers with one.
    static func master(
        _ configuration: RedisSentinelConfiguration,
        timeout: TimeAmount,
        on loop: any EventLoop
    ) -> EventLoopFuture<RedisAddress> {
        self.ask(configuration.sentinels[...], name: configuration.masterName, timeout: timeout, failures: [], on: loop)
    }

    private static func ask(
        _ sentinels: ArraySlice<RedisAddress>,
        name: String,
        timeout: TimeAmount,
        failures: [String],
        on loop: any EventLoop
    ) -> EventLoopFuture<RedisAddress> {
        guard let sentinel = sentinels.first else {
            let detail = failures.isEmpty ? "no sentinels configured" : failures.joined(separator: "; ")
            return loop.makeFailedFuture(RedisStreamsError.unreachable("no sentinel knows master \(name): \(detail)"))
        }
        return self.askOne(sentinel, name: name, timeout: timeout, on: loop).flatMapError { error in
            let message = (error as? RedisStreamsError)?.message ?? "\(error)"
            return self.ask(sentinels.dropFirst(), name: name, timeout: timeout, failures: failures + ["\(sentinel): \(message)"], on: loop)
        }
    }

    private static func askOne(_ sentinel: RedisAddress, name: String, timeout: TimeAmount, on loop: any EventLoop) -> EventLoopFuture<RedisAddress> {
        let peer = sentinel.description
        return ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(RedisReplyDecoder(), RedisPipelineHandler(timeout: timeout, peer: peer))
                }
            }
            .connect(host: sentinel.host, port: sentinel.port)
            .flatMapError { error in loop.makeFailedFuture(RedisPipelineHandler.connectionError(error, peer: peer)) }
            .flatMap { channel in
                let promise = loop.makePromise(of: RedisAddress.self)
                let command = RedisCommand("SENTINEL", "get-master-addr-by-name", name)
                channel.writeAndFlush(RedisRequest(commands: [command]) { result in
                    switch result.flatMap({ replies in Self.address(replies.first, name: name) }) {
                    case .success(let address): promise.succeed(address)
                    case .failure(let error): promise.fail(error)
                    }
                }, promise: nil)
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                return promise.futureResult
            }
    }

    /// `[host, port]`; a nil reply means this sentinel does not monitor `name`.
    static func address(_ reply: RedisReply?, name: String) -> Result<RedisAddress, RedisStreamsError> {
        if let message = reply?.errorMessage {
            return .failure(.serverError(message))
        }
        guard let items = reply?.array, items.count == 2, let host = items[0].string, let port = items[1].string.flatMap({ Int($0) }) else {
            return .failure(.protocolError("does not monitor a master called \(name)"))
        }
        return .success(RedisAddress(host: host, port: port))
    }
}
