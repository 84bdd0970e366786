import Testing
import RedisStreams

@Suite struct RedisCommandTests {
    @Test func initializers() {
        #expect(RedisCommand("SET", "k", "v").strings == ["SET", "k", "v"])
        #expect(RedisCommand("PING").strings == ["PING"])
        #expect(RedisCommand("DEL", arguments: ["a", "b"]).strings == ["DEL", "a", "b"])
        #expect(RedisCommand([[0x00], [0xFF]]).arguments == [[0x00], [0xFF]])
    }

    @Test func appending() {
        var command = RedisCommand("SET", "k")
        command.append([0x00, 0x0D, 0x0A])
        command.append("PX")
        command.append(-15)
        #expect(command.arguments == [Array("SET".utf8), Array("k".utf8), [0x00, 0x0D, 0x0A], Array("PX".utf8), Array("-15".utf8)])
    }

    @Test func errorDescription() {
        let error = RedisStreamsError.unreachable("connect to 127.0.0.1:1: Connection refused")
        #expect(error.kind == .unreachable)
        #expect(error.description == "unreachable: connect to 127.0.0.1:1: Connection refused")
        #expect(RedisStreamsError.closed().kind == .closed)
    }

    @Test func configurationDefaults() {
        let configuration = RedisConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 6379)
        #expect(configuration.timeout == .seconds(2))
        #expect(configuration.password == nil && configuration.username == nil)
        #expect(configuration.database == 0)
    }
}
