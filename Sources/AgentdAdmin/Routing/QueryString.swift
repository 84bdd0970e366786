import AgentCore

/// `application/x-www-form-urlencoded` query strings: `a=1&b=x%20y`.
public enum QueryString {
    /// The most pairs read from one query: the routes take three or four fields; the bound
    /// keeps a pathological URL from costing more than it could ever mean.
    static let maximumPairs = 32

    /// The `name=value` pairs in order, percent-decoded, `+` as a space; malformed escapes are
    /// kept literally (the field check that follows then names the field).
    public static func parse(_ query: Substring) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for piece in query.split(separator: "&", omittingEmptySubsequences: true).prefix(Self.maximumPairs) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            pairs.append((name, value))
        }
        return pairs
    }

    /// Which query fields are not strings, per route.
    public struct FieldKinds: Sendable {
        /// Fields read as integers (`limit=5` → `5`); a value that is not one stays a string,
        /// so the op's own check names the field.
        public var integers: Set<String> = []
        /// Fields read as booleans (`true`/`false`).
        public var booleans: Set<String> = []
        /// Fields read as comma-separated lists of strings (`capabilities=a,b`).
        public var lists: Set<String> = []

        /// Kinds for the named fields; every other field is a string.
        public init(integers: Set<String> = [], booleans: Set<String> = [], lists: Set<String> = []) {
            self.integers = integers
            self.booleans = booleans
            self.lists = lists
        }
    }

    /// Turns query pairs into the fields of an op request, so the op's own validation applies.
    /// A name given twice keeps its last value.
    public static func requestFields(_ pairs: [(String, String)], kinds: FieldKinds) -> JSONObject {
        var object = JSONObject()
        for (name, value) in pairs {
            if kinds.lists.contains(name) {
                let items = value.split(separator: ",", omittingEmptySubsequences: true)
                object[name] = .array(items.map { .string(String($0)) })
            } else if kinds.booleans.contains(name), value == "true" || value == "false" {
                object[name] = .bool(value == "true")
            } else if kinds.integers.contains(name), let integer = Int64(value) {
                object[name] = .number(JSONNumber(integer))
            } else {
                object[name] = .string(value)
            }
        }
        return object
    }

    private static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            switch byte {
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                if iterator.count >= 2, let high = Self.hex(iterator[iterator.startIndex]),
                    let low = Self.hex(iterator[iterator.startIndex + 1])
                {
                    bytes.append(high << 4 | low)
                    iterator = iterator.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
