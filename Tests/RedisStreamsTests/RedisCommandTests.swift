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

    @Test func numbersAndLengthsAreDecimalText() {
        var command = RedisCommand("X")
        for number in [0, 7, 10, 99, 100, 1_234_567, -1, -10, Int.max, Int.min] {
            command.append(number)
        }
        command.append([UInt8](repeating: 0x61, count: 1_000))
        let expected = ["X", "0", "7", "10", "99", "100", "1234567", "-1", "-10", String(Int.max), String(Int.min)]
            .map { "$\($0.utf8.count)\r\n\($0)\r\n" }.joined()
            + "$1000\r\n" + String(repeating: "a", count: 1_000) + "\r\n"
        #expect(command.encodedArguments == Array(expected.utf8))
        #expect(command.count == 12)
    }

    @Test func joinedArgument() {
        var command = RedisCommand("GET")
        command.append(joining: "agentd:q:{", "ünïcode-agent", "}:high")
        command.append(joining: "", "", "")
        #expect(command.strings == ["GET", "agentd:q:{ünïcode-agent}:high", ""])
        #expect(command.encodedArguments.starts(with: Array("$3\r\nGET\r\n$31\r\n".utf8)))
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
