/// One stream entry as returned by XRANGE, XREADGROUP and XCLAIM.
public struct StreamEntry: Sendable {
    /// The entry ID, e.g. "1700000000000-0".
    public var id: String
    /// Field/value pairs in stored order. Empty for an entry that was deleted while pending
    /// (Redis reports it as `[id, nil]`).
    public var fields: [(String, [UInt8])]

    /// Creates an entry.
    public init(id: String, fields: [(String, [UInt8])]) {
        self.id = id
        self.fields = fields
    }

    /// The value of the first field called `name`, if any.
    public func field(_ name: String) -> [UInt8]? {
        fields.first { $0.0 == name }?.1
    }

    /// True when Redis returned the ID without fields (entry deleted but still pending).
    public var isDeleted: Bool { fields.isEmpty }
}

extension StreamEntry: Equatable {
    /// Same ID and the same fields in the same order.
    public static func == (lhs: StreamEntry, rhs: StreamEntry) -> Bool {
        lhs.id == rhs.id
            && lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
