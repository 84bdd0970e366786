/// The first decoding step of a frame: a JSON object with an `id` and an `op`.
///
/// Decoding happens in two steps so the three input errors stay apart: a line that is not a
/// JSON object is `bad_json`; a bad `id`/`op` is `bad_request`; an unknown op is `unknown_op`
/// (reported by the session, which must first check authentication). The op's own fields are
/// read afterwards by the typed request structs.
public struct RequestEnvelope: Sendable {
    /// The request id, if any.
    public var id: RequestID?
    /// The op name as sent.
    public var opName: String
    /// The op, when the name is known.
    public var op: Op?
    /// All fields of the request (unknown ones are ignored by the typed readers).
    public var body: JSONObject

    /// The outcome of decoding one frame.
    public enum Decoded: Sendable {
        case request(RequestEnvelope)
        /// The frame was rejected; `id` is the id to echo (null when it could not be read).
        case rejected(id: RequestID?, error: AgentdError)
    }

    /// Decodes one frame (without its line terminator).
    public static func decode(_ bytes: [UInt8], maximumDepth: Int = JSONParser.defaultMaximumDepth) -> Decoded {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes, maximumDepth: maximumDepth)
        } catch {
            return .rejected(id: nil, error: .badJSON("frame is not valid JSON: \(error.description)"))
        }
        guard case .object(let object) = value else {
            return .rejected(id: nil, error: .badJSON("frame is not a JSON object"))
        }
        var id: RequestID?
        switch object["id"] {
        case nil, .null?:
            id = nil
        case .string(let s)?:
            id = .string(s)
        case .number(let n)?:
            id = .number(n)
        default:
            return .rejected(id: nil, error: .badRequest("id: must be a string or a number"))
        }
        guard let opValue = object["op"] else {
            return .rejected(id: nil, error: .badRequest("op: missing"))
        }
        guard case .string(let name) = opValue else {
            return .rejected(id: nil, error: .badRequest("op: must be a string"))
        }
        return .request(RequestEnvelope(id: id, opName: name, op: Op(rawValue: name), body: object))
    }
}
