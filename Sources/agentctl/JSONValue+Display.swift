import AgentCore

/// How reply values look in human output.
extension JSONValue {
    /// A string as is, null as `-`, an array of strings comma-separated, anything else
    /// as compact JSON.
    var display: String {
        switch self {
        case .string(let string):
            return string
        case .null:
            return "-"
        case .array(let elements) where elements.allSatisfy({ $0.stringValue != nil }):
            let strings = elements.compactMap(\.stringValue)
            return strings.isEmpty ? "-" : strings.joined(separator: ",")
        default:
            return self.jsonString
        }
    }
}

extension JSONObject {
    /// ``JSONValue/display`` of `key`'s value; `-` when absent.
    func display(_ key: String) -> String {
        self[key]?.display ?? "-"
    }
}
