/// One row of the extended XPENDING reply, as decoded by ``StreamReplies/pending(_:)``.
public struct PendingEntry: Sendable, Equatable {
    /// The pending entry's ID.
    public var id: String
    /// The consumer that owns it.
    public var consumer: String
    /// Milliseconds since it was last delivered.
    public var idleMilliseconds: Int64
    /// How many times it has been delivered.
    public var deliveries: Int64

    /// Creates a row.
    public init(id: String, consumer: String, idleMilliseconds: Int64, deliveries: Int64) {
        self.id = id
        self.consumer = consumer
        self.idleMilliseconds = idleMilliseconds
        self.deliveries = deliveries
    }
}
