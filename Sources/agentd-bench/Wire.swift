import NIOCore

/// Pre-rendered request frames (agentd wire protocol v1, one JSON object per line).
/// Requests carry no `id`: replies come back in request order, which is all we need.
enum Wire {
    static func hello(_ agentID: String) -> ByteBuffer {
        ByteBuffer(string: #"{"op":"hello","agent_id":"\#(agentID)"}"# + "\n")
    }

    static func subscribe(prefetch: Int) -> ByteBuffer {
        ByteBuffer(string: #"{"op":"subscribe","prefetch":\#(prefetch)}"# + "\n")
    }

    static func fetch(limit: Int, waitMS: Int) -> ByteBuffer {
        ByteBuffer(string: #"{"op":"fetch","limit":\#(limit),"wait_ms":\#(waitMS)}"# + "\n")
    }

    /// A `send` whose content is `{"d":"xxx…"}` with `size` bytes of padding.
    static func send(to agentID: String, size: Int) -> ByteBuffer {
        ByteBuffer(string: sendPrefix(to: agentID) + #"{"d":"\#(padding(size))"}}}"# + "\n")
    }

    /// Everything before the content object of a `send`; the latency scenario appends a
    /// content carrying the send time.
    static func sendPrefix(to agentID: String, type: String = "status_update") -> String {
        #"{"op":"send","message":{"to_agent":"\#(agentID)","message_type":"\#(type)","content":"#
    }

    static func register(role: String, capability: String, maxTasks: Int = 1) -> ByteBuffer {
        ByteBuffer(string: #"{"op":"register","role":"\#(role)","capabilities":["\#(capability)"],"max_concurrent_tasks":\#(maxTasks)}"# + "\n")
    }

    /// A `broadcast` to the registered agents holding `capability`.
    static func broadcast(capability: String, size: Int) -> ByteBuffer {
        ByteBuffer(string: #"{"op":"broadcast","message_type":"status_update","content":{"d":"\#(padding(size))"},"capabilities":["\#(capability)"]}"# + "\n")
    }

    static func assignTask(capability: String) -> ByteBuffer {
        ByteBuffer(string: #"{"op":"assign_task","task_type":"bench","required_capabilities":["\#(capability)"]}"# + "\n")
    }

    /// What a worker sends back when it has done a task.
    static func taskCompleted(supervisor: String, taskID: Span<UInt8>) -> ByteBuffer {
        var frame = ByteBuffer(string: sendPrefix(to: supervisor, type: "task_response"))
        frame.writeString(#"{"task_id":""#)
        frame.writeBytes(taskID.bytes)
        frame.writeString(#"","status":"completed"}}}"# + "\n")
        return frame
    }

    static func padding(_ size: Int) -> String {
        String(repeating: "x", count: max(0, size))
    }

    static let ackPrefix: StaticString = #"{"op":"ack","message_ids":["#
    static let ackSuffix: StaticString = "]}\n"

    static func probe(_ json: String) -> ByteBuffer {
        ByteBuffer(string: json + "\n")
    }
}

/// Collects message ids into one `ack` frame, written once per batch of deliveries.
struct AckBatch {
    private(set) var buffer: ByteBuffer
    private(set) var count = 0

    init(allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        buffer = allocator.buffer(capacity: 4096)
    }

    mutating func add(_ line: Span<UInt8>, _ id: Range<Int>) {
        if count == 0 {
            buffer.clear()
            buffer.writeStaticString(Wire.ackPrefix)
        } else {
            buffer.writeInteger(UInt8(ascii: ","))
        }
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeBytes(line.extracting(id).bytes)
        buffer.writeInteger(UInt8(ascii: "\""))
        count += 1
    }

    /// The finished frame, and the batch starts over.
    mutating func take() -> ByteBuffer? {
        guard count > 0 else { return nil }
        buffer.writeStaticString(Wire.ackSuffix)
        count = 0
        let frame = buffer
        buffer = ByteBufferAllocator().buffer(capacity: 4096)
        return frame
    }
}
