import NIOCore

/// The kinds of record the registry and the coordinator keep in the store.
public enum RecordKind: String, Sendable, CaseIterable {
    /// Registered agents, by agent id.
    case agent = "agents"
    /// Tasks, by task id.
    case task = "tasks"
}

/// Durable records of the registry and the coordinator: JSON documents by id, so both survive
/// an agentd restart (with the memory backend they live as long as the process).
public protocol RecordStore: Sendable {
    /// Writes (or replaces) one record.
    func saveRecord(_ kind: RecordKind, id: String, json: [UInt8], on loop: any EventLoop) -> EventLoopFuture<Void>
    /// Removes one record.
    func deleteRecord(_ kind: RecordKind, id: String, on loop: any EventLoop) -> EventLoopFuture<Void>
    /// Every record of a kind.
    func loadRecords(_ kind: RecordKind, on loop: any EventLoop) -> EventLoopFuture<[[UInt8]]>
}
