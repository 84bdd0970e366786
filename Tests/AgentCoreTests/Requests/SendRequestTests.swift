import Testing

@testable import AgentCore

/// A `send` body around `message` (the fields inside `"message":{…}`).
private func send(_ message: String) throws -> SendRequest {
    try SendRequest(try requestBody("{\"op\":\"send\",\"message\":{\(message)}}"))
}

private func sendBody(_ message: String) throws -> JSONObject {
    try requestBody("{\"op\":\"send\",\"message\":{\(message)}}")
}

private let minimal = #""to_agent":"w1","message_type":"heartbeat","content":{}"#

@Suite struct SendRequestTests {
    // MARK: Defaults

    @Test func minimalMessageGetsDefaults() throws {
        let request = try send(minimal)
        #expect(request.toAgent == "w1")
        #expect(request.messageType == .heartbeat)
        #expect(request.content == JSONObject())
        #expect(request.priority == .medium)
        #expect(request.messageID == nil)
        #expect(request.fromAgent == nil)
        #expect(request.correlationID == nil)
        #expect(request.replyTo == nil)
        #expect(request.ttlMilliseconds == nil)
        #expect(request.delayMilliseconds == nil)
    }

    @Test func everyFieldIsRead() throws {
        let request = try send(
            #""message_id":"m-1","from_agent":"sup","to_agent":"w1","message_type":"task_response","#
                + #""content":{"k":1},"priority":"critical","correlation_id":"c","reply_to":"r","ttl_ms":5,"delay_ms":0"#
        )
        #expect(request.messageID == "m-1")
        #expect(request.fromAgent == "sup")
        #expect(request.messageType == .taskResponse)
        #expect(request.content == ["k": 1])
        #expect(request.priority == .critical)
        #expect(request.correlationID == "c")
        #expect(request.replyTo == "r")
        #expect(request.ttlMilliseconds == 5)
        #expect(request.delayMilliseconds == 0)
    }

    @Test(arguments: Priority.allCases)
    func everyPriorityIsAccepted(priority: Priority) throws {
        #expect(try send(minimal + ",\"priority\":\"\(priority.rawValue)\"").priority == priority)
    }

    @Test(arguments: MessageType.allCases)
    func everyMessageTypeIsAccepted(type: MessageType) throws {
        let request = try send(#""to_agent":"w1","content":{},"message_type":""# + type.rawValue + "\"")
        #expect(request.messageType == (type == .taskAssignment ? .taskRequest : type))
    }

    @Test func taskAssignmentIsStoredAsTaskRequest() throws {
        let request = try send(#""to_agent":"w1","message_type":"task_assignment","content":{"task_id":"t"}"#)
        #expect(request.messageType == .taskRequest)
        let stored = try JSONParser.parse(request.storedJSON(messageID: "m", fromAgent: "s", timestamp: .init(millisecondsSinceEpoch: 0)))
        #expect(stored["message_type"] == "task_request")
    }

    @Test func unknownFieldsAreIgnored() throws {
        let request = try send(minimal + #","extra":[1,2],"delivery":{"attempt":9}"#)
        #expect(request.toAgent == "w1")
    }

    @Test func nullCountsAsAbsent() throws {
        let request = try send(minimal + #","priority":null,"ttl_ms":null,"message_id":null"#)
        #expect(request.priority == .medium)
        #expect(request.ttlMilliseconds == nil)
        #expect(request.messageID == nil)
    }

    // MARK: Missing and mistyped fields

    @Test func missingMessageIsBadRequest() throws {
        let body = try requestBody(#"{"op":"send"}"#)
        expectBadRequest(naming: "message") { _ = try SendRequest(body) }
        let notObject = try requestBody(#"{"op":"send","message":"hi"}"#)
        expectBadRequest(naming: "message") { _ = try SendRequest(notObject) }
    }

    @Test(arguments: [
        ("to_agent", #""message_type":"heartbeat","content":{}"#),
        ("message_type", #""to_agent":"w1","content":{}"#),
        ("content", #""to_agent":"w1","message_type":"heartbeat""#),
    ])
    func missingRequiredFieldIsBadRequest(field: String, message: String) throws {
        let body = try sendBody(message)
        expectBadRequest(naming: "message." + field) { _ = try SendRequest(body) }
    }

    @Test(arguments: [
        ("ttl_ms", #""10""#),
        ("delay_ms", #""10""#),
        ("ttl_ms", "true"),
        ("ttl_ms", "1.5"),
        ("ttl_ms", "1e3"),
        ("delay_ms", "[5]"),
        ("to_agent", "7"),
        ("message_type", "1"),
        ("priority", "3"),
        ("content", "[]"),
        ("content", #""{}""#),
        ("message_id", "42"),
        ("from_agent", "false"),
        ("correlation_id", "{}"),
        ("reply_to", "[]"),
    ])
    func wrongTypeIsBadRequestNamingTheField(field: String, json: String) throws {
        // The field replaces any default one: later duplicates would be bad_json.
        var fields = ["to_agent": #""w1""#, "message_type": #""heartbeat""#, "content": "{}"]
        fields[field] = json
        let message = fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",")
        let body = try sendBody(message)
        expectBadRequest(naming: "message." + field) { _ = try SendRequest(body) }
    }

    @Test(arguments: ["urgent", "Medium", "", "HIGH"])
    func unknownPriorityIsBadRequest(value: String) throws {
        let body = try sendBody(minimal + ",\"priority\":\"\(value)\"")
        expectBadRequest(naming: "message.priority") { _ = try SendRequest(body) }
    }

    @Test(arguments: ["task", "TASK_REQUEST", "", "task_assignments"])
    func unknownMessageTypeIsBadRequest(value: String) throws {
        let body = try sendBody(#""to_agent":"w1","content":{},"message_type":""# + value + "\"")
        expectBadRequest(naming: "message.message_type") { _ = try SendRequest(body) }
    }

    // MARK: Ranges

    @Test(arguments: [
        ("ttl_ms", 0), ("ttl_ms", -1), ("ttl_ms", SendRequest.maximumDurationMilliseconds + 1),
        ("delay_ms", -1), ("delay_ms", SendRequest.maximumDurationMilliseconds + 1),
    ])
    func durationOutOfRangeIsBadRequest(field: String, value: Int) throws {
        let body = try sendBody(minimal + ",\"\(field)\":\(value)")
        expectBadRequest(naming: "message." + field) { _ = try SendRequest(body) }
    }

    @Test func durationBoundsAreAccepted() throws {
        let maximum = SendRequest.maximumDurationMilliseconds
        let low = try send(minimal + #","ttl_ms":1,"delay_ms":0"#)
        #expect(low.ttlMilliseconds == 1)
        #expect(low.delayMilliseconds == 0)
        let high = try send(minimal + ",\"ttl_ms\":\(maximum),\"delay_ms\":\(maximum)")
        #expect(high.ttlMilliseconds == maximum)
        #expect(high.delayMilliseconds == maximum)
    }

    @Test func hugeIntegerDurationIsBadRequestNotACrash() throws {
        let body = try sendBody(minimal + #","ttl_ms":99999999999999999999999"#)
        expectBadRequest(naming: "message.ttl_ms") { _ = try SendRequest(body) }
    }

    @Test func messageIDLengthIsBounded() throws {
        let longest = String(repeating: "m", count: SendRequest.maximumIDLength)
        #expect(try send(minimal + ",\"message_id\":\"\(longest)\"").messageID == longest)
        for bad in ["", longest + "m"] {
            let body = try sendBody(minimal + ",\"message_id\":\"\(bad)\"")
            expectBadRequest(naming: "message.message_id") { _ = try SendRequest(body) }
        }
    }

    @Test func referencesAreBounded() throws {
        let longest = String(repeating: "r", count: SendRequest.maximumReferenceLength)
        #expect(try send(minimal + ",\"reply_to\":\"\(longest)\"").replyTo == longest)
        let body = try sendBody(minimal + ",\"correlation_id\":\"\(longest)r\"")
        expectBadRequest(naming: "message.correlation_id") { _ = try SendRequest(body) }
    }

    // MARK: Agent ids

    @Test(arguments: [
        "", " ", "w 1", "w/1", "w\u{e9}", "w*", "a,b", "\u{1F600}", "tab\t", String(repeating: "a", count: 129),
    ])
    func invalidRecipientIsBadRequest(to: String) throws {
        var writer = JSONWriter()
        writer.writeString(to)
        let body = try sendBody(#""message_type":"heartbeat","content":{},"to_agent":"# + String(decoding: writer.bytes, as: UTF8.self))
        expectBadRequest(naming: "message.to_agent") { _ = try SendRequest(body) }
    }

    @Test(arguments: ["a", "worker-1", "A.b_c:d@e-f", "0", String(repeating: "z", count: 128)])
    func validRecipientIsAccepted(to: String) throws {
        #expect(try send(#""message_type":"heartbeat","content":{},"to_agent":""# + to + "\"").toAgent == to)
    }

    @Test func overlongFromAgentIsBadRequest() throws {
        let body = try sendBody(minimal + ",\"from_agent\":\"\(String(repeating: "f", count: 129))\"")
        expectBadRequest(naming: "message.from_agent") { _ = try SendRequest(body) }
    }

    // MARK: Stored form

    @Test func storedJSONShape() throws {
        let request = try send(
            #""to_agent":"w1","message_type":"status_update","content":{"b":1,"a":2},"priority":"high","#
                + #""correlation_id":"c-1","reply_to":"sup","ttl_ms":100,"delay_ms":50,"from_agent":"ignored""#
        )
        let bytes = request.storedJSON(messageID: "m-9", fromAgent: "sup", timestamp: .init(millisecondsSinceEpoch: 1_795_602_660_123))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(
            text == #"{"message_id":"m-9","from_agent":"sup","to_agent":"w1","message_type":"status_update","#
                + #""content":{"b":1,"a":2},"priority":"high","timestamp":"2026-11-25T10:31:00.123Z","#
                + #""correlation_id":"c-1","reply_to":"sup","ttl_ms":100,"delay_ms":50}"#
        )
        let stored = try #require(try JSONParser.parse(bytes).objectValue)
        #expect(stored.keys == [
            "message_id", "from_agent", "to_agent", "message_type", "content", "priority", "timestamp",
            "correlation_id", "reply_to", "ttl_ms", "delay_ms",
        ])
    }

    @Test func storedJSONOmitsAbsentOptionals() throws {
        let bytes = try send(minimal).storedJSON(messageID: "m", fromAgent: "a", timestamp: .init(millisecondsSinceEpoch: 0))
        let stored = try #require(try JSONParser.parse(bytes).objectValue)
        #expect(stored.keys == ["message_id", "from_agent", "to_agent", "message_type", "content", "priority", "timestamp"])
        #expect(stored["priority"] == "medium")
        #expect(stored["timestamp"] == "1970-01-01T00:00:00.000Z")
    }

    @Test func contentRoundTripsExactly() throws {
        let content =
            #"{"max":9223372036854775807,"two63":9223372036854775808,"min":-9223372036854775808,"#
            + #""u64":18446744073709551615,"big":123456789012345678901234567890,"frac":1.50,"exp":-1.5E+300,"#
            + #""zero":-0,"s":"\u00e9\n\"\\ \ud83d\ude00","nested":{"a":[1,{"b":null},true,false,[]],"empty":{}}}"#
        let request = try send(#""to_agent":"w1","message_type":"coordination","content":"# + content)
        let original = try #require(try JSONParser.parse(content).objectValue)
        #expect(request.content == original)

        let bytes = request.storedJSON(messageID: "m", fromAgent: "a", timestamp: .init(millisecondsSinceEpoch: 0))
        let stored = try #require(try JSONParser.parse(bytes).objectValue)
        let storedContent = try #require(stored["content"]?.objectValue)
        #expect(storedContent == original)
        #expect(storedContent.keys == original.keys)
        #expect(storedContent["max"]?.int64Value == Int64.max)
        #expect(storedContent["min"]?.int64Value == Int64.min)
        #expect(storedContent["two63"]?.numberValue?.text == "9223372036854775808")
        #expect(storedContent["u64"]?.numberValue?.text == "18446744073709551615")
        #expect(storedContent["frac"]?.numberValue?.text == "1.50")
        #expect(storedContent["s"] == "\u{e9}\n\"\\ \u{1F600}")
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("\"max\":9223372036854775807,"))
    }

    @Test func storedJSONEscapesStrings() throws {
        let request = try send(minimal + #","correlation_id":"a\"b\\c\u0001","reply_to":"line\nbreak""#)
        let bytes = request.storedJSON(messageID: "id\"1", fromAgent: "a", timestamp: .init(millisecondsSinceEpoch: 0))
        let stored = try JSONParser.parse(bytes)
        #expect(stored["message_id"] == "id\"1")
        #expect(stored["correlation_id"] == "a\"b\\c\u{1}")
        #expect(stored["reply_to"] == "line\nbreak")
    }

    // MARK: Trace context

    private static let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func traceparentIsReadAndStoredLast() throws {
        let request = try send(minimal + ",\"traceparent\":\"\(Self.trace)\"")
        #expect(request.traceparent == Self.trace)
        let bytes = request.storedJSON(messageID: "m", fromAgent: "a", timestamp: .init(millisecondsSinceEpoch: 0))
        let stored = try #require(try JSONParser.parse(bytes).objectValue)
        #expect(stored["traceparent"] == .string(Self.trace))
        #expect(stored.keys.last == "traceparent")
        #expect(try send(minimal).traceparent == nil)
    }

    @Test(arguments: [
        "\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7\"",  // no flags
        "\"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"",  // another version
        "\"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01\"",  // upper case
        "\"00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01\"",  // not hex
        "\"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01\"",  // separators
        "\"00-00000000000000000000000000000000-00f067aa0ba902b7-01\"",  // zero trace id
        "\"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01\"",  // zero parent id
        "\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-\"",  // too long
        "\"\"", "42", "{}",
    ])
    func badTraceparentIsBadRequest(json: String) throws {
        let body = try sendBody(minimal + ",\"traceparent\":\(json)")
        expectBadRequest(naming: "message.traceparent") { _ = try SendRequest(body) }
    }

    @Test func traceParentValidation() {
        #expect(TraceParent.isValid(Self.trace))
        #expect(TraceParent.isValid("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"))
        #expect(!TraceParent.isValid(String(Self.trace.dropLast())))
        #expect(!TraceParent.isValid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0é"))
    }
}
