/// The fields of every op as the contract (protocol-v1.md) and the request types define
/// them, written out independently of the decoders so the request fuzzer can predict each
/// outcome: which fields a random body gets wrong, and what a valid body decodes to.
@testable import AgentCore

/// One field of a request body.
struct FieldSpec: Sendable {
    indirect enum Kind: Sendable {
        /// Any string whose UTF-8 length is in `bytes`. `bytesOnly: false` where the contract
        /// speaks of characters: then no string is generated whose verdict depends on the unit.
        case string(bytes: ClosedRange<Int>, bytesOnly: Bool = true)
        /// 1–128 characters of `[A-Za-z0-9._:@-]`.
        case agentID
        /// An integer (no fraction, no exponent) in the range.
        case int(ClosedRange<Int>)
        case bool
        /// One of the strings; `stored` maps a value to the one it is stored as.
        case enumeration([String], stored: [String: String] = [:])
        case object
        /// An array of strings, at most `maxCount`, each of `itemBytes` UTF-8 bytes if given.
        case strings(maxCount: Int, itemBytes: ClosedRange<Int>?)
        /// An object with fields of its own, named `<name>.<field>`.
        case nested([FieldSpec])
        /// Any JSON value but null (which reads as absent).
        case any
    }

    var name: String
    var kind: Kind
    var required = false
    /// What the decoder yields when the field is absent or null (`.null`: nothing).
    var defaultValue: JSONValue = .null
}

/// The fields of one op and how to read a decoded request back as plain values.
struct OpSchema: Sendable {
    var op: Op
    var fields: [FieldSpec]
    /// Decodes `body` with the op's request type and returns what it read, keyed by field
    /// path (`message.to_agent`); integers as numbers, enums by raw value.
    var decode: @Sendable (JSONObject) throws -> [String: JSONValue]
}

private let maxDuration = 366 * 86_400_000
private let capabilities = FieldSpec.Kind.strings(maxCount: 256, itemBytes: 1...128)
private let messageIDs = FieldSpec.Kind.strings(maxCount: 10_000, itemBytes: nil)
private let priorities = FieldSpec.Kind.enumeration(["low", "medium", "high", "critical"])
private let roles = FieldSpec.Kind.enumeration(["supervisor", "coordinator", "worker", "monitor"])
private let messageTypes = FieldSpec.Kind.enumeration(
    ["task_request", "task_assignment", "task_response", "status_update", "heartbeat", "error_report", "coordination"],
    stored: ["task_assignment": "task_request"]
)

private func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
private func int(_ value: Int?) -> JSONValue { value.map(int) ?? .null }
private func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
private func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

enum RequestSchemas {
    /// Ops whose request has no fields: any body is accepted.
    static let fieldless: [Op] = [.ping, .bye, .unsubscribe, .stats, .health, .deregister]

    static let all: [OpSchema] = [
        OpSchema(op: .hello, fields: [
            FieldSpec(name: "agent_id", kind: .agentID, required: true),
            FieldSpec(name: "token", kind: .string(bytes: 0...4_096)),
        ]) { body in
            let r = try HelloRequest(body)
            return ["agent_id": .string(r.agentID), "token": string(r.token)]
        },
        OpSchema(op: .send, fields: [
            FieldSpec(name: "message", kind: .nested([
                // The contract says "1–128 chars", the decoder counts bytes.
                FieldSpec(name: "message_id", kind: .string(bytes: 1...128, bytesOnly: false)),
                FieldSpec(name: "from_agent", kind: .string(bytes: 0...128)),
                FieldSpec(name: "to_agent", kind: .agentID, required: true),
                FieldSpec(name: "message_type", kind: messageTypes, required: true),
                FieldSpec(name: "content", kind: .object, required: true),
                FieldSpec(name: "priority", kind: priorities, defaultValue: "medium"),
                FieldSpec(name: "correlation_id", kind: .string(bytes: 0...1_024)),
                FieldSpec(name: "reply_to", kind: .string(bytes: 0...1_024)),
                FieldSpec(name: "ttl_ms", kind: .int(1...maxDuration)),
                FieldSpec(name: "delay_ms", kind: .int(0...maxDuration)),
            ]), required: true),
        ]) { body in
            let r = try SendRequest(body)
            return [
                "message.message_id": string(r.messageID), "message.from_agent": string(r.fromAgent),
                "message.to_agent": .string(r.toAgent), "message.message_type": .string(r.messageType.rawValue),
                "message.content": .object(r.content), "message.priority": .string(r.priority.rawValue),
                "message.correlation_id": string(r.correlationID), "message.reply_to": string(r.replyTo),
                "message.ttl_ms": int(r.ttlMilliseconds), "message.delay_ms": int(r.delayMilliseconds),
            ]
        },
        OpSchema(op: .request, fields: [
            FieldSpec(name: "message", kind: .nested([
                // The contract says "1–128 chars", the decoder counts bytes.
                FieldSpec(name: "message_id", kind: .string(bytes: 1...128, bytesOnly: false)),
                FieldSpec(name: "from_agent", kind: .string(bytes: 0...128)),
                FieldSpec(name: "to_agent", kind: .agentID, required: true),
                FieldSpec(name: "message_type", kind: messageTypes, required: true),
                FieldSpec(name: "content", kind: .object, required: true),
                FieldSpec(name: "priority", kind: priorities, defaultValue: "medium"),
                FieldSpec(name: "correlation_id", kind: .string(bytes: 0...1_024)),
                FieldSpec(name: "reply_to", kind: .string(bytes: 0...1_024)),
                FieldSpec(name: "ttl_ms", kind: .int(1...maxDuration)),
                FieldSpec(name: "delay_ms", kind: .int(0...maxDuration)),
            ]), required: true),
            FieldSpec(name: "timeout_ms", kind: .int(1...300_000), defaultValue: 30_000),
        ]) { body in
            let request = try RequestReplyRequest(body)
            let r = request.message
            return [
                "timeout_ms": int(request.timeoutMilliseconds),
                "message.message_id": string(r.messageID), "message.from_agent": string(r.fromAgent),
                "message.to_agent": .string(r.toAgent), "message.message_type": .string(r.messageType.rawValue),
                "message.content": .object(r.content), "message.priority": .string(r.priority.rawValue),
                "message.correlation_id": string(r.correlationID), "message.reply_to": string(r.replyTo),
                "message.ttl_ms": int(r.ttlMilliseconds), "message.delay_ms": int(r.delayMilliseconds),
            ]
        },
        OpSchema(op: .fetch, fields: [
            FieldSpec(name: "limit", kind: .int(1...1_000), defaultValue: 10),
            FieldSpec(name: "wait_ms", kind: .int(0...30_000), defaultValue: 0),
        ]) { body in
            let r = try FetchRequest(body)
            return ["limit": int(r.limit), "wait_ms": int(r.waitMilliseconds)]
        },
        OpSchema(op: .ack, fields: [FieldSpec(name: "message_ids", kind: messageIDs, required: true)]) { body in
            ["message_ids": strings(try AckRequest(body).messageIDs)]
        },
        OpSchema(op: .nack, fields: [
            FieldSpec(name: "message_ids", kind: messageIDs, required: true),
            FieldSpec(name: "delay_ms", kind: .int(0...maxDuration), defaultValue: 0),
            FieldSpec(name: "dead_letter", kind: .bool, defaultValue: false),
        ]) { body in
            let r = try NackRequest(body)
            return ["message_ids": strings(r.messageIDs), "delay_ms": int(r.delayMilliseconds), "dead_letter": .bool(r.deadLetter)]
        },
        OpSchema(op: .subscribe, fields: [FieldSpec(name: "prefetch", kind: .int(1...10_000), defaultValue: 100)]) { body in
            ["prefetch": int(try SubscribeRequest(body).prefetch)]
        },
        OpSchema(op: .deadLetters, fields: [
            FieldSpec(name: "limit", kind: .int(1...1_000), defaultValue: 100),
            FieldSpec(name: "agent_id", kind: .agentID),
        ]) { body in
            let r = try DeadLettersRequest(body)
            return ["limit": int(r.limit), "agent_id": string(r.agentID)]
        },
        OpSchema(op: .requeueDead, fields: [
            FieldSpec(name: "message_ids", kind: messageIDs, required: true),
            FieldSpec(name: "agent_id", kind: .agentID),
        ]) { body in
            let r = try RequeueDeadRequest(body)
            return ["message_ids": strings(r.messageIDs), "agent_id": string(r.agentID)]
        },
        OpSchema(op: .register, fields: [
            FieldSpec(name: "role", kind: roles, required: true),
            FieldSpec(name: "capabilities", kind: capabilities, required: true),
            FieldSpec(name: "max_concurrent_tasks", kind: .int(1...100_000), defaultValue: 1),
            FieldSpec(name: "metadata", kind: .object, defaultValue: .object(JSONObject())),
        ]) { body in
            let r = try RegisterRequest(body)
            return [
                "role": .string(r.role.rawValue), "capabilities": strings(r.capabilities),
                "max_concurrent_tasks": int(r.maxConcurrentTasks), "metadata": .object(r.metadata),
            ]
        },
        OpSchema(op: .heartbeat, fields: [
            FieldSpec(name: "status", kind: .enumeration(["active", "busy", "idle", "draining", "offline"])),
            FieldSpec(name: "current_tasks", kind: .int(0...1_000_000)),
        ]) { body in
            let r = try HeartbeatRequest(body)
            return ["status": string(r.status?.rawValue), "current_tasks": int(r.currentTasks)]
        },
        OpSchema(op: .agents, fields: [
            FieldSpec(name: "capabilities", kind: capabilities, defaultValue: .array([])),
            FieldSpec(name: "role", kind: roles),
            FieldSpec(name: "available", kind: .bool, defaultValue: false),
            FieldSpec(name: "limit", kind: .int(1...1_000), defaultValue: 100),
        ]) { body in
            let r = try AgentsRequest(body)
            return [
                "capabilities": strings(r.capabilities), "role": string(r.role?.rawValue),
                "available": .bool(r.availableOnly), "limit": int(r.limit),
            ]
        },
        OpSchema(op: .assignTask, fields: [
            FieldSpec(name: "task_type", kind: .string(bytes: 1...128), required: true),
            FieldSpec(name: "description", kind: .string(bytes: 0...65_536), defaultValue: ""),
            FieldSpec(name: "parameters", kind: .object, defaultValue: .object(JSONObject())),
            FieldSpec(name: "required_capabilities", kind: capabilities, required: true),
            FieldSpec(name: "priority", kind: priorities, defaultValue: "medium"),
            FieldSpec(name: "timeout_ms", kind: .int(1...maxDuration)),
            FieldSpec(name: "max_retries", kind: .int(0...100)),
        ]) { body in
            let r = try AssignTaskRequest(body)
            return [
                "task_type": .string(r.taskType), "description": .string(r.description), "parameters": .object(r.parameters),
                "required_capabilities": strings(r.requiredCapabilities), "priority": .string(r.priority.rawValue),
                "timeout_ms": int(r.timeoutMilliseconds), "max_retries": int(r.maxRetries),
            ]
        },
        OpSchema(op: .cancelTask, fields: [FieldSpec(name: "task_id", kind: .string(bytes: 1...128), required: true)]) { body in
            ["task_id": .string(try TaskIDRequest(body).taskID)]
        },
        OpSchema(op: .resumeTask, fields: [
            FieldSpec(name: "task_id", kind: .string(bytes: 1...128), required: true),
            FieldSpec(name: "input", kind: .any, required: true),
        ]) { body in
            let r = try ResumeTaskRequest(body)
            return ["task_id": .string(r.taskID), "input": r.input]
        },
        OpSchema(op: .task, fields: [FieldSpec(name: "task_id", kind: .string(bytes: 1...128), required: true)]) { body in
            ["task_id": .string(try TaskIDRequest(body).taskID)]
        },
        OpSchema(op: .tasks, fields: [
            FieldSpec(name: "state", kind: .enumeration(
                ["pending", "assigned", "in_progress", "input_required", "completed", "failed", "timed_out", "cancelled"])),
            FieldSpec(name: "assigned_to", kind: .string(bytes: 0...128)),
            FieldSpec(name: "limit", kind: .int(1...1_000), defaultValue: 100),
        ]) { body in
            let r = try TasksRequest(body)
            return ["state": string(r.state?.rawValue), "assigned_to": string(r.assignedTo), "limit": int(r.limit)]
        },
        OpSchema(op: .broadcast, fields: [
            FieldSpec(name: "message_type", kind: messageTypes, required: true),
            FieldSpec(name: "content", kind: .object, required: true),
            FieldSpec(name: "priority", kind: priorities, defaultValue: "medium"),
            FieldSpec(name: "role", kind: roles),
            FieldSpec(name: "capabilities", kind: capabilities, defaultValue: .array([])),
        ]) { body in
            let r = try BroadcastRequest(body)
            return [
                "message_type": .string(r.messageType.rawValue), "content": .object(r.content),
                "priority": .string(r.priority.rawValue), "role": string(r.role?.rawValue),
                "capabilities": strings(r.capabilities),
            ]
        },
    ]

    static func schema(for op: Op) -> OpSchema? { all.first { $0.op == op } }
}
