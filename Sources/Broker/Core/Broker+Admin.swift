import AgentCore
import NIOCore

/// What the admin port (`AgentdAdmin`) reads, through the same code paths as the `stats`,
/// `agents`, `tasks` and `health` ops, so the JSON has the same shapes.
extension Broker {
    /// The `stats` reply's result fields as one JSON object:
    /// `{"queues": {…}, "registry": {…}, "coordination": {…}, "server": {…}}`.
    public func statsJSON(on loop: any EventLoop) -> EventLoopFuture<[UInt8]> {
        self.stats(on: loop).map { write in
            var w = JSONWriter()
            write(&w)
            return Self.object(fromReplyFields: w.bytes)
        }
    }

    /// `{"agents": [AgentInfo]}` for an `agents` request with these fields (`role`,
    /// `capabilities`, `available`, `limit`).
    /// - Throws: `AgentdError` (`bad_request`) naming a bad field.
    public func agentsJSON(_ query: JSONObject, on loop: any EventLoop) throws(AgentdError) -> EventLoopFuture<[UInt8]> {
        let request = try AgentsRequest(query)
        return self.registry.list(request).hop(to: loop).map { records in
            Self.listJSON("agents", records) { record, w in record.write(to: &w) }
        }
    }

    /// `{"tasks": [TaskInfo]}` for a `tasks` request with these fields (`state`,
    /// `assigned_to`, `limit`), seen as a `monitor` sees them: every task.
    /// - Throws: `AgentdError` (`bad_request`) naming a bad field.
    public func tasksJSON(_ query: JSONObject, on loop: any EventLoop) throws(AgentdError) -> EventLoopFuture<[UInt8]> {
        let request = try TasksRequest(query)
        return self.coordinator.tasks(request, viewer: AgentID.server, role: .monitor).hop(to: loop).map { tasks in
            Self.listJSON("tasks", tasks) { task, w in task.write(to: &w) }
        }
    }

    /// The `health` answer: whether the store answered within `store_timeout_ms`, and the
    /// JSON the op replies with (`{"status", "store", "backend"}`).
    public func healthJSON(on loop: any EventLoop) -> EventLoopFuture<(storeUp: Bool, json: [UInt8])> {
        let backend = self.store.backendName
        return self.storeIsUp(on: loop).map { up in
            var w = JSONWriter()
            w.writeRaw(up ? "{\"status\":\"ok\",\"store\":\"up\"" : "{\"status\":\"degraded\",\"store\":\"down\"")
            w.writeRaw(",\"backend\":")
            w.writeString(backend)
            w.writeRaw("}")
            return (up, w.bytes)
        }
    }

    /// Reply fields (each written as `,"name":value`) wrapped into one object.
    private static func object(fromReplyFields fields: [UInt8]) -> [UInt8] {
        guard fields.first == UInt8(ascii: ",") else { return Array("{}".utf8) }
        var bytes = fields
        bytes[0] = UInt8(ascii: "{")
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// `{"<key>": [item, ...]}`, each item written by `write`.
    private static func listJSON<Item>(_ key: String, _ items: [Item], _ write: (Item, inout JSONWriter) -> Void) -> [UInt8] {
        var w = JSONWriter()
        w.writeRaw("{\"\(key)\":[")
        for (index, item) in items.enumerated() {
            if index > 0 { w.writeRaw(",") }
            write(item, &w)
        }
        w.writeRaw("]}")
        return w.bytes
    }
}
