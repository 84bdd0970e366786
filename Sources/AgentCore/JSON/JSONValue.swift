/// Any JSON value. Objects keep key order; numbers keep their literal text.
public enum JSONValue: Sendable, Equatable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number, kept as its literal text.
    case number(JSONNumber)
    /// A string (already unescaped).
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, in key order as received or built.
    case object(JSONObject)
}

extension JSONValue {
    /// The object, or nil unless this is `.object`.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The string, or nil unless this is `.string`.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The elements, or nil unless this is `.array`.
    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// The boolean, or nil unless this is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    /// The number, or nil unless this is `.number`.
    public var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// The exact integer if this is a number that is an integer fitting `Int64`, else nil.
    public var int64Value: Int64? {
        numberValue?.int64Value
    }

    /// The exact integer if this is a number that is an integer fitting `Int`, else nil.
    public var intValue: Int? {
        numberValue?.intValue
    }

    /// True only for `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value for `key` if this is an object containing it, else nil.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Compact serialization (no spaces), keys in stored order.
    public func write(to writer: inout JSONWriter) {
        writer.writeValue(self)
    }

    /// Compact serialization as UTF-8 bytes.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        writer.writeValue(self)
        return writer.bytes
    }

    /// Compact serialization as a string.
    public var jsonString: String {
        String(decoding: jsonBytes, as: UTF8.self)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { jsonString }
}

// Literal conformances make hand-built replies and test fixtures readable.

extension JSONValue: ExpressibleByBooleanLiteral {
    /// `.bool(value)`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// `.number` with the decimal text of `value`.
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// `.number` with Swift's shortest text for `value` (`.null` if not finite).
    public init(floatLiteral value: Double) {
        if let number = JSONNumber(value) {
            self = .number(number)
        } else {
            self = .null
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// `.string(value)`.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// `.array(elements)`.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// `.object` with the literal's pairs in source order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}
