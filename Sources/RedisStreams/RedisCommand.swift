/// One Redis command as a binary-safe argument vector (the command name is the first argument).
public struct RedisCommand: Sendable, Equatable {
    /// The arguments, sent verbatim with explicit lengths.
    public var arguments: [[UInt8]]

    /// Creates a command from raw argument bytes.
    public init(_ arguments: [[UInt8]]) {
        self.arguments = arguments
    }

    /// Creates a command from a name and text arguments, e.g. `RedisCommand("INCR", "counter")`.
    public init(_ name: String, _ args: String...) {
        self.init(name, arguments: args)
    }

    /// Creates a command from a name and an array of text arguments.
    public init(_ name: String, arguments: [String]) {
        var all: [[UInt8]] = []
        all.reserveCapacity(arguments.count + 1)
        all.append(Array(name.utf8))
        for argument in arguments { all.append(Array(argument.utf8)) }
        self.arguments = all
    }

    /// Appends a text argument (UTF-8).
    public mutating func append(_ s: String) {
        arguments.append(Array(s.utf8))
    }

    /// Appends a raw bytes argument.
    public mutating func append(_ bytes: [UInt8]) {
        arguments.append(bytes)
    }

    /// Appends an integer argument as decimal text.
    public mutating func append(_ i: Int) {
        arguments.append(Array(String(i).utf8))
    }
}

extension RedisCommand: CustomStringConvertible {
    /// The arguments as lossy UTF-8, space separated; for logs and test failures.
    public var description: String {
        arguments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }
}
