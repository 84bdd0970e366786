/// Decoders for stream command replies. All are pure; they throw `.serverError` for an error
/// reply and `.protocolError` for a reply of unexpected shape.
public enum StreamReplies {
    /// Decodes an XRANGE/XREVRANGE/XCLAIM reply: `[[id, [f, v, ...]], ...]`.
    /// `[id, nil]` (deleted while pending) becomes an entry without fields; a null element is skipped.
    public static func entries(_ r: RedisReply) throws(RedisStreamsError) -> [StreamEntry] {
        let command = "entries"
        if r.isNull { return [] }
        let items = try array(r, command)
        var result: [StreamEntry] = []
        result.reserveCapacity(items.count)
        for item in items where !item.isNull {
            result.append(try entry(item, command: command))
        }
        return result
    }

    // MARK: - Shared helpers

    static func entry(_ r: RedisReply, command: String) throws(RedisStreamsError) -> StreamEntry {
        let pair = try array(r, command, count: 2)
        guard let id = pair[0].string else {
            throw mismatch(command, expected: "entry ID as bulk string", got: pair[0])
        }
        if pair[1].isNull { return StreamEntry(id: id, fields: []) }
        let flat = try array(pair[1], command)
        guard flat.count % 2 == 0 else {
            throw .protocolError("\(command): entry \(id) has an odd number (\(flat.count)) of field/value elements")
        }
        var fields: [(String, [UInt8])] = []
        fields.reserveCapacity(flat.count / 2)
        var index = 0
        while index < flat.count {
            guard let name = flat[index].string, case .bulk(let value?) = flat[index + 1] else {
                throw .protocolError("\(command): entry \(id) field \(index / 2) is not a pair of bulk strings")
            }
            fields.append((name, value))
            index += 2
        }
        return StreamEntry(id: id, fields: fields)
    }

    /// The elements of a non-null array reply, optionally of an exact size.
    static func array(_ r: RedisReply, _ command: String, count: Int? = nil) throws(RedisStreamsError) -> [RedisReply] {
        try serverCheck(r, command)
        let expected = count.map { "array of \($0) elements" } ?? "array"
        guard case .array(let elements?) = r else { throw mismatch(command, expected: expected, got: r) }
        if let count, elements.count != count { throw mismatch(command, expected: expected, got: r) }
        return elements
    }

    /// Turns an error reply into `.serverError`.
    static func serverCheck(_ r: RedisReply, _ command: String) throws(RedisStreamsError) {
        if let message = r.errorMessage { throw .serverError("\(command): \(message)") }
    }

    static func mismatch(_ command: String, expected: String, got r: RedisReply) -> RedisStreamsError {
        .protocolError("\(command): expected \(expected), got \(r.kindDescription)")
    }
}
