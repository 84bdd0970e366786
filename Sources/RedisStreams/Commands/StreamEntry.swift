/// One stream entry, as decoded by ``StreamReplies/entries(_:)`` from an XRANGE reply.
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
}
