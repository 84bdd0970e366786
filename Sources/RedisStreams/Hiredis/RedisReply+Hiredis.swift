import CHiredis

extension RedisReply {
    /// Deep-copies a hiredis reply tree. Borrows `reply`: the caller still owns it and frees it
    /// (with freeReplyObject on the root only) after this returns.
    init(hiredis reply: UnsafePointer<redisReply>) {
        let node = reply.pointee
        switch node.type {
        case REDIS_REPLY_STATUS:
            self = .status(Self.text(node))
        case REDIS_REPLY_ERROR:
            self = .error(Self.text(node))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int64(node.integer))
        case REDIS_REPLY_STRING:
            self = .bulk(Self.bytes(node))
        case REDIS_REPLY_ARRAY:
            // Sub-replies belong to the root; they are borrowed here and never freed individually.
            let children = UnsafeBufferPointer(start: node.element, count: node.elements)
            self = .array(children.map { child in
                guard let child else { return .bulk(nil) }
                return RedisReply(hiredis: child)
            })
        default:
            // REDIS_REPLY_NIL: RESP2 null bulk and null array look the same to hiredis 0.14.
            self = .bulk(nil)
        }
    }

    private static func bytes(_ node: redisReply) -> [UInt8] {
        guard let str = node.str, node.len > 0 else { return [] }
        if node.len == 1 {
            // Field names of stream entries ("i", "m", "c") and flags: shared, not allocated.
            return Self.singleBytes[Int(UInt8(bitPattern: str.pointee))]
        }
        return Array(UnsafeRawBufferPointer(start: str, count: node.len))
    }

    /// Every one-byte bulk string, made once.
    private static let singleBytes: [[UInt8]] = (0...255).map { [UInt8($0)] }

    /// Decoded straight from hiredis' buffer: a short status ("OK", "QUEUED") then needs no
    /// allocation at all.
    private static func text(_ node: redisReply) -> String {
        guard let str = node.str, node.len > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: str, count: node.len), as: UTF8.self)
    }
}
