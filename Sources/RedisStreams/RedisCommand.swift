/// One Redis command as a binary-safe argument vector (the command name is the first argument).
///
/// Arguments are encoded as RESP bulk strings the moment they are appended, so a pipelined
/// batch is written to the socket as is: no argument arrays, no formatting on the way out.
public struct RedisCommand: Sendable, Equatable {
    /// The arguments, each as a RESP bulk string (`$<length>\r\n<bytes>\r\n`), back to back.
    public private(set) var encodedArguments: [UInt8] = []
    /// How many arguments (the command name included).
    public private(set) var count = 0

    /// An empty command; append its name first. `capacity` is a hint of the encoded size.
    public init(capacity: Int = 0) {
        self.encodedArguments.reserveCapacity(capacity)
    }

    /// Creates a command from raw argument bytes.
    public init(_ arguments: [[UInt8]]) {
        for argument in arguments { self.append(argument) }
    }

    /// Creates a command from a name and text arguments, e.g. `RedisCommand("INCR", "counter")`.
    public init(_ name: String, _ args: String...) {
        self.init(name, arguments: args)
    }

    /// Creates a command from a name and an array of text arguments.
    public init(_ name: String, arguments: [String]) {
        // Each argument costs its bytes plus a header and trailer of at most 16 bytes.
        self.encodedArguments.reserveCapacity(arguments.reduce(name.utf8.count + 16) { $0 + $1.utf8.count + 16 })
        self.append(name)
        for argument in arguments { self.append(argument) }
    }

    /// The arguments decoded again (for tests and logs; the hot path never needs them).
    public var arguments: [[UInt8]] {
        var result: [[UInt8]] = []
        var index = 0
        let bytes = self.encodedArguments
        while index < bytes.count, bytes[index] == UInt8(ascii: "$") {
            index += 1
            var length = 0
            while index < bytes.count, bytes[index] != UInt8(ascii: "\r") {
                length = length * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
                index += 1
            }
            index += 2
            result.append(Array(bytes[index..<min(bytes.count, index + length)]))
            index += length + 2
        }
        return result
    }

    /// Appends a text argument (UTF-8).
    public mutating func append(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            self.appendHeader(utf8.count)
            self.encodedArguments.append(contentsOf: utf8)
        }
        self.appendTrailer()
    }

    /// Appends one text argument made of three parts (a key: prefix, name, suffix), without
    /// building the joined string first.
    public mutating func append(joining first: String, _ second: String, _ third: String) {
        self.appendHeader(first.utf8.count + second.utf8.count + third.utf8.count)
        self.encodedArguments.append(contentsOf: first.utf8)
        self.encodedArguments.append(contentsOf: second.utf8)
        self.encodedArguments.append(contentsOf: third.utf8)
        self.appendTrailer()
    }

    /// Appends a raw bytes argument.
    public mutating func append(_ bytes: [UInt8]) {
        self.appendHeader(bytes.count)
        self.encodedArguments.append(contentsOf: bytes)
        self.appendTrailer()
    }

    /// Appends every argument of `other` (e.g. the shared tail of EVAL and EVALSHA).
    public mutating func append(contentsOf other: RedisCommand) {
        self.encodedArguments.append(contentsOf: other.encodedArguments)
        self.count += other.count
    }

    /// Appends an integer argument as decimal text.
    public mutating func append(_ i: Int) {
        // The digit count first: a header needs the length before the bytes.
        let digits = Self.decimalDigits(i.magnitude)
        self.appendHeader(i < 0 ? digits + 1 : digits)
        Self.appendDecimal(i, to: &self.encodedArguments)
        self.appendTrailer()
    }

    /// Appends an integer argument as decimal text.
    public mutating func append(_ i: Int64) {
        self.append(Int(i))
    }

    private mutating func appendHeader(_ length: Int) {
        self.count += 1
        self.encodedArguments.append(UInt8(ascii: "$"))
        Self.appendDecimal(length, to: &self.encodedArguments)
        self.encodedArguments.append(UInt8(ascii: "\r"))
        self.encodedArguments.append(UInt8(ascii: "\n"))
    }

    private mutating func appendTrailer() {
        self.encodedArguments.append(UInt8(ascii: "\r"))
        self.encodedArguments.append(UInt8(ascii: "\n"))
    }

    private static func decimalDigits(_ magnitude: UInt) -> Int {
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        return digits
    }

    private static func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
        }
        var magnitude = value.magnitude
        let digits = Self.decimalDigits(magnitude)
        // Room first, then the digits from the last one back: reversing a slice of the array
        // in place would copy it (one allocation per argument on the hot path).
        let end = buffer.count + digits
        buffer.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        var index = end - 1
        while magnitude >= 10 {
            buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
            index -= 1
        }
        buffer[index] = UInt8(ascii: "0") + UInt8(magnitude)
    }
}

extension RedisCommand: CustomStringConvertible {
    /// The arguments as lossy UTF-8, space separated; for logs and test failures.
    public var description: String {
        self.arguments.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
    }
}
