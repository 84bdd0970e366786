/// One submission to a connection: commands that go out back to back, and the callback that
/// gets one reply per command (or the failure that ended the connection).
struct RedisRequest: Sendable {
    var commands: [RedisCommand]
    var completion: @Sendable (Result<[RedisReply], RedisStreamsError>) -> Void
}
