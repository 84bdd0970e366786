import NIOConcurrencyHelpers
import NIOCore

/// Records of the memory backend: a dictionary per kind, for the life of the process.
final class MemoryRecords: Sendable {
    private let records = NIOLockedValueBox<[RecordKind: [String: [UInt8]]]>([:])

    func save(_ kind: RecordKind, id: String, json: [UInt8]) {
        self.records.withLockedValue { $0[kind, default: [:]][id] = json }
    }

    func delete(_ kind: RecordKind, id: String) {
        self.records.withLockedValue { _ = $0[kind]?.removeValue(forKey: id) }
    }

    func load(_ kind: RecordKind) -> [[UInt8]] {
        self.records.withLockedValue { Array(($0[kind] ?? [:]).values) }
    }
}

extension MemoryStore {
    public func saveRecord(_ kind: RecordKind, id: String, json: [UInt8], on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.records.save(kind, id: id, json: json)
        return loop.makeSucceededVoidFuture()
    }

    public func deleteRecord(_ kind: RecordKind, id: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.records.delete(kind, id: id)
        return loop.makeSucceededVoidFuture()
    }

    public func loadRecords(_ kind: RecordKind, on loop: any EventLoop) -> EventLoopFuture<[[UInt8]]> {
        loop.makeSucceededFuture(self.records.load(kind))
    }
}
