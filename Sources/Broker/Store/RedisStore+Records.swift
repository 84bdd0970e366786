import NIOCore
import RedisStreams

/// Records of the registry and the coordinator: one hash per kind, JSON by id.
extension RedisStore {
    public func saveRecord(_ kind: RecordKind, id: String, json: [UInt8], on loop: any EventLoop) -> EventLoopFuture<Void> {
        var command = RedisCommand("HSET", self.keys.records(kind.rawValue), id)
        command.append(json)
        return self.call([.plain(command)], on: loop).map { _ in () }
    }

    public func deleteRecord(_ kind: RecordKind, id: String, on loop: any EventLoop) -> EventLoopFuture<Void> {
        self.call([.plain(RedisCommand("HDEL", self.keys.records(kind.rawValue), id))], on: loop).map { _ in () }
    }

    public func loadRecords(_ kind: RecordKind, on loop: any EventLoop) -> EventLoopFuture<[[UInt8]]> {
        self.call([.plain(RedisCommand("HVALS", self.keys.records(kind.rawValue)))], on: loop).map { replies in
            (replies[0].array ?? []).compactMap(\.bytes)
        }
    }
}
