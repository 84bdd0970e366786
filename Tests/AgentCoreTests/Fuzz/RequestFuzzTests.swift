/// Property tests of request decoding: `RequestEnvelope` then the typed request of each op,
/// the path every frame takes in the session.
///
/// Every frame must end in exactly what the contract (protocol-v1.md) prescribes for it:
/// - a body whose fields are all right decodes, to the values sent (defaults for absent or
///   null fields), whatever the key order, white space, escapes or unknown extra fields;
/// - a wrong field (missing, mistyped, out of range, malformed) is `bad_request` whose
///   message starts with that field's path (`limit:`, `message.to_agent:`, `capabilities[2]:`);
/// - an `id` that is not a string or number, or a missing or non-string `op`, is
///   `bad_request` naming `id` or `op`, replied with a null id;
/// - a name that is not one of the contract's ops reaches the session as an unknown op
///   (`unknown_op`), with its name and id intact;
/// - anything that is not a JSON object is `bad_json` with a null id; damaged frames get
///   one of these codes and never anything else.
import Testing

@testable import AgentCore

/// The op names of protocol v1, as the contract spells them.
private let contractOps: Set<String> = [
    "hello", "ping", "bye", "send", "fetch", "ack", "nack", "subscribe", "unsubscribe", "dead_letters",
    "requeue_dead", "register", "heartbeat", "agents", "deregister", "assign_task", "cancel_task", "task",
    "tasks", "broadcast", "stats", "health",
    // Agent-native extensions.
    "request", "resume_task",
]

/// An id to send, and what `RequestEnvelope` must read (nil: none; `invalid`: a bad id).
private struct GeneratedID {
    var value: JSONValue?
    var expected: RequestID?
    var invalid = false

    static func random(_ rng: inout FuzzRNG) -> GeneratedID {
        switch rng.below(8) {
        case 0: return GeneratedID(value: nil, expected: nil)
        case 1: return GeneratedID(value: .null, expected: nil)
        case 2, 3:
            let text = JSONValueGenerator.string(&rng)
            return GeneratedID(value: .string(text), expected: .string(text))
        case 4, 5:
            let number = JSONValueGenerator.number(&rng)
            return GeneratedID(value: .number(number), expected: .number(number))
        default:
            let bad: JSONValue = rng.pick([true, false, [], [1], .object(["n": 1]), .object(JSONObject())])
            return GeneratedID(value: bad, expected: nil, invalid: true)
        }
    }
}

/// A frame's text: compact, or with random white space and escapes.
private func encode(_ pairs: [(String, JSONValue)], _ rng: inout FuzzRNG) -> [UInt8] {
    var shuffled = pairs
    for index in shuffled.indices.reversed() { shuffled.swapAt(index, rng.int(0...index)) }
    let value = JSONValue.object(JSONObject(shuffled))
    guard rng.chance(1, in: 2) else { return value.jsonBytes }
    var writer = NoisyJSONWriter(whitespaceRate: rng.int(0...4), escapeRate: rng.int(0...4))
    writer.write(value, &rng)
    return writer.bytes
}

/// Unknown fields with random values; never one of the schema's names, `op` or `id`.
private func extraFields(avoiding names: Set<String>, _ rng: inout FuzzRNG) -> [(String, JSONValue)] {
    var pairs: [(String, JSONValue)] = []
    for _ in 0..<rng.size(max: 4) {
        let key = (rng.chance(1, in: 2) ? "x_" : "") + JSONValueGenerator.string(&rng, maxLength: 8)
        guard !names.contains(key), !pairs.contains(where: { $0.0 == key }) else { continue }
        pairs.append((key, JSONValueGenerator(maximumDepth: 3).value(&rng)))
    }
    return pairs
}

/// Whether a decoded value is the expected one: integers by value (`-0` is `0`), anything
/// else byte for byte (Swift's `==` on strings would let canonically equivalent text pass).
private func sameValue(_ value: JSONValue?, _ expected: JSONValue?) -> Bool {
    if let a = value?.numberValue?.intValue, let b = expected?.numberValue?.intValue { return a == b }
    return value == expected && value?.jsonBytes == expected?.jsonBytes
}

/// Whether `message` starts with one of `paths`, as `path:` or `path[i]:`.
private func names(_ message: String, oneOf paths: [String]) -> Bool {
    paths.contains { message.hasPrefix($0 + ":") || message.hasPrefix($0 + "[") }
}

/// Whether `text` holds `part` as a run of UTF-8 bytes (Character comparison would let a
/// combining mark merge with the quote before it).
private func containsBytes(_ text: String, _ part: String) -> Bool {
    let haystack = Array(text.utf8)
    let needle = Array(part.utf8)
    guard needle.count <= haystack.count else { return false }
    return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
}

/// The field path an error message starts with (`capabilities` for `capabilities[3]: …`).
private func namedPath(_ message: String) -> String {
    let head = message.prefix { $0 != ":" }
    return String(head.prefix { $0 != "[" })
}

@Suite struct RequestFuzzTests {
    @Test func everyOpIsCovered() {
        let covered = RequestSchemas.all.map(\.op.rawValue) + RequestSchemas.fieldless.map(\.rawValue)
        #expect(Set(covered) == contractOps)
        #expect(covered.count == contractOps.count)
        #expect(Set(Op.allCases.map(\.rawValue)) == contractOps)
    }

    @Test func generatedFieldsDecodeOrNameTheWrongField() {
        forAllCases("RequestFuzzTests/generatedFieldsDecodeOrNameTheWrongField") { rng in
            let isFieldless = rng.chance(1, in: 8)
            let op = isFieldless ? rng.pick(RequestSchemas.fieldless) : rng.pick(RequestSchemas.all).op
            let schema = RequestSchemas.schema(for: op)
            let body = RequestBodyGenerator(invalidRate: rng.pick([0, 0, 1, 2, 4])).body(schema?.fields ?? [], &rng)
            let id = GeneratedID.random(&rng)
            var pairs = body.pairs + extraFields(avoiding: Set((schema?.fields ?? []).map(\.name) + ["op", "id"]), &rng)
            pairs.append(("op", .string(op.rawValue)))
            if let value = id.value { pairs.append(("id", value)) }
            let frame = encode(pairs, &rng)

            switch RequestEnvelope.decode(frame) {
            case .rejected(let rejectedID, let error):
                guard id.invalid else { return "rejected \(describeBytes(frame)): \(error)" }
                guard error.code == .badRequest, names(error.message, oneOf: ["id"]), rejectedID == nil else {
                    return "a bad id gave \(error.code.rawValue) \"\(error.message)\" with id \(String(describing: rejectedID))"
                }
                return nil
            case .request(let envelope):
                guard !id.invalid else { return "bad id \(String(describing: id.value)) accepted in \(describeBytes(frame))" }
                guard envelope.op == op, envelope.opName == op.rawValue, envelope.id == id.expected else {
                    return "envelope read op \(envelope.opName), id \(String(describing: envelope.id)) from \(describeBytes(frame))"
                }
                guard let schema else { return nil }
                return checkTypedDecode(schema, envelope.body, body, frame)
            }
        }
    }

    @Test func unknownOpNamesReachTheSessionIntact() {
        let known = Array(contractOps)
        forAllCases("RequestFuzzTests/unknownOpNamesReachTheSessionIntact") { rng in
            let base = rng.pick(known)
            let name: String = switch rng.below(9) {
            case 0: base.uppercased()
            case 1: base + " "
            case 2: " " + base
            case 3: String(base.dropLast())
            case 4: base + "s"
            case 5: String(base.map { $0 == "_" ? "-" : $0 })
            case 6: base + "\u{0}"
            case 7: String(repeating: base, count: rng.int(2...400))
            default: JSONValueGenerator.string(&rng)
            }
            let id = GeneratedID.random(&rng)
            var pairs: [(String, JSONValue)] = [("op", .string(name))]
            if let value = id.value, !id.invalid { pairs.append(("id", value)) }
            let frame = encode(pairs + extraFields(avoiding: ["op", "id"], &rng), &rng)
            guard case .request(let envelope) = RequestEnvelope.decode(frame) else {
                return "\(describeBytes(frame)) was rejected"
            }
            guard envelope.opName == name, envelope.id == id.expected else {
                return "read op \(envelope.opName) id \(String(describing: envelope.id)) from \(describeBytes(frame))"
            }
            guard contractOps.contains(name) == (envelope.op != nil), envelope.op.map({ $0.rawValue == name }) ?? true else {
                return "op name \"\(name)\" resolved to \(String(describing: envelope.op))"
            }
            guard envelope.op == nil else { return nil }
            let error = AgentdError.unknownOp(envelope.opName)
            let named = containsBytes(error.message, String(name.prefix(64)))
            guard error.code == .unknownOp, named, error.message.count <= 64 + 20 else {
                return "unknown_op message \"\(error.message)\" for op \(name)"
            }
            return nil
        }
    }

    @Test func badIDOrOpIsBadRequestWithNullID() {
        forAllCases("RequestFuzzTests/badIDOrOpIsBadRequestWithNullID") { rng in
            let id = GeneratedID.random(&rng)
            var pairs: [(String, JSONValue)] = []
            if let value = id.value { pairs.append(("id", value)) }
            let opIsBad = !id.invalid || rng.chance(1, in: 2)
            if !opIsBad {
                pairs.append(("op", .string(rng.pick(Array(contractOps)))))
            } else if rng.chance(3, in: 4) {
                pairs.append(("op", rng.pick([.null, 7, true, ["ping"], .object(["name": "ping"]), 1.5])))
            }
            let frame = encode(pairs + extraFields(avoiding: ["op", "id"], &rng), &rng)
            guard case .rejected(let rejectedID, let error) = RequestEnvelope.decode(frame) else {
                return "\(describeBytes(frame)) was accepted"
            }
            let allowed = (id.invalid ? ["id"] : []) + (opIsBad ? ["op"] : [])
            guard error.code == .badRequest, names(error.message, oneOf: allowed), rejectedID == nil else {
                return "\(describeBytes(frame)) gave \(error.code.rawValue) \"\(error.message)\", expected bad_request naming \(allowed)"
            }
            return nil
        }
    }

    @Test func anythingButAnObjectIsBadJSON() {
        forAllCases("RequestFuzzTests/anythingButAnObjectIsBadJSON") { rng in
            var value = JSONValueGenerator(maximumDepth: 4).value(&rng)
            if case .object(let object) = value { value = .array([.object(object)]) }
            var writer = NoisyJSONWriter(whitespaceRate: rng.int(0...4), escapeRate: rng.int(0...4))
            writer.write(value, &rng)
            let frame = rng.chance(1, in: 2) ? value.jsonBytes : writer.bytes
            guard case .rejected(let id, let error) = RequestEnvelope.decode(frame) else {
                return "\(describeBytes(frame)) was accepted"
            }
            guard error.code == .badJSON, error.message.contains("not a JSON object"), id == nil else {
                return "\(describeBytes(frame)) gave \(error.code.rawValue) \"\(error.message)\""
            }
            return nil
        }
    }

    @Test func damagedFramesGetAWireCode() {
        forAllCases("RequestFuzzTests/damagedFramesGetAWireCode") { rng in
            let schema = rng.pick(RequestSchemas.all)
            let body = RequestBodyGenerator(invalidRate: rng.pick([0, 1])).body(schema.fields, &rng)
            let pairs = body.pairs + [("op", .string(schema.op.rawValue)), ("id", .number(JSONNumber(rng.below(100))))]
            let frame = ByteMutator.mutate(encode(pairs, &rng), &rng)
            return checkDamagedFrame(frame, schema: schema)
        }
    }
}

/// Nil when the typed request decoded from `decoded` matches what `body` predicts.
private func checkTypedDecode(
    _ schema: OpSchema,
    _ decoded: JSONObject,
    _ body: GeneratedBody,
    _ frame: [UInt8]
) -> String? {
    do {
        let values = try schema.decode(decoded)
        guard body.invalidPaths.isEmpty else {
            return "\(schema.op.rawValue) accepted wrong fields \(body.invalidPaths) in \(describeBytes(frame))"
        }
        for (path, value) in values where !sameValue(value, body.expected[path]) {
            let expected = String(describing: body.expected[path])
            return "\(schema.op.rawValue).\(path) decoded to \(value), expected \(expected) from \(describeBytes(frame))"
        }
        return nil
    } catch let error as AgentdError {
        guard !body.invalidPaths.isEmpty else {
            return "\(schema.op.rawValue) rejected valid \(describeBytes(frame)): \(error.message)"
        }
        guard error.code == .badRequest, names(error.message, oneOf: body.invalidPaths) else {
            return "\(error.code.rawValue) \"\(error.message)\" should name one of \(body.invalidPaths) in \(describeBytes(frame))"
        }
        return nil
    } catch {
        return "\(schema.op.rawValue) threw \(error), which is not an AgentdError"
    }
}

/// Nil when a damaged `frame` got the code the contract gives its kind of damage.
private func checkDamagedFrame(_ frame: [UInt8], schema: OpSchema) -> String? {
    let reference = ReferenceJSONParser.parse(frame)
    switch RequestEnvelope.decode(frame) {
    case .rejected(let id, let error):
        guard id == nil else { return "rejected with id \(String(describing: id))" }
        guard case .object(let object)? = reference else {
            return error.code == .badJSON ? nil : "\(describeBytes(frame)) is not a JSON object but got \(error.code.rawValue)"
        }
        let idIsBad: Bool = switch object["id"] {
        case nil, .null?, .string?, .number?: false
        default: true
        }
        let opIsBad = object["op"]?.stringValue == nil
        let allowed = (idIsBad ? ["id"] : []) + (opIsBad ? ["op"] : [])
        guard error.code == .badRequest, names(error.message, oneOf: allowed) else {
            return "\(describeBytes(frame)) gave \(error.code.rawValue) \"\(error.message)\", allowed bad_request naming \(allowed)"
        }
        return nil
    case .request(let envelope):
        guard case .object(let object)? = reference, envelope.body == object else {
            return "accepted \(describeBytes(frame)), which the reference parser reads as \(String(describing: reference))"
        }
        guard let op = envelope.op, let schema = RequestSchemas.schema(for: op) else { return nil }
        do {
            _ = try schema.decode(envelope.body)
            return nil
        } catch let error as AgentdError {
            let fieldPaths = allPaths(schema.fields)
            guard error.code == .badRequest, fieldPaths.contains(namedPath(error.message)) else {
                return "\(op.rawValue) gave \(error.code.rawValue) \"\(error.message)\", which names none of its fields"
            }
            return nil
        } catch {
            return "\(op.rawValue) threw \(error), which is not an AgentdError"
        }
    }
}

private func allPaths(_ fields: [FieldSpec], prefix: String = "") -> Set<String> {
    var paths = Set<String>()
    for field in fields {
        paths.insert(prefix + field.name)
        if case .nested(let inner) = field.kind { paths.formUnion(allPaths(inner, prefix: prefix + field.name + ".")) }
    }
    return paths
}
