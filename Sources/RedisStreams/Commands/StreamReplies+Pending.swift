extension StreamReplies {
    /// Decodes the extended XPENDING reply (`XPENDING key group start end count [consumer]`):
    /// `[[id, consumer, idle, deliveries], ...]`.
    public static func pending(_ r: RedisReply) throws(RedisStreamsError) -> [PendingEntry] {
        let command = "XPENDING"
        if r.isNull { return [] }
        let rows = try array(r, command)
        var result: [PendingEntry] = []
        result.reserveCapacity(rows.count)
        for row in rows {
            let cells = try array(row, command, count: 4)
            guard let id = cells[0].string, let consumer = cells[1].string else {
                throw .protocolError("\(command): expected ID and consumer as bulk strings, got \(cells[0].kindDescription) and \(cells[1].kindDescription)")
            }
            guard case .integer(let idle) = cells[2], case .integer(let deliveries) = cells[3] else {
                throw .protocolError("\(command): expected idle time and delivery count as integers, got \(cells[2].kindDescription) and \(cells[3].kindDescription)")
            }
            result.append(PendingEntry(id: id, consumer: consumer, idleMilliseconds: idle, deliveries: deliveries))
        }
        return result
    }
}
