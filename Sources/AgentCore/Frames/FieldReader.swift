/// Strict, typed access to the fields of a request object.
///
/// Types are checked strictly (the contract: a string where a number is expected is
/// `bad_request`, never a coercion) and every error names the field by its path.
public struct FieldReader: Sendable {
    /// The object being read.
    public let object: JSONObject
    /// The path of `object` within the request, e.g. `message.` (empty at the top).
    public let path: String

    /// Reads `object`, naming fields with `path` as prefix.
    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    private func name(_ key: String) -> String { self.path + key }

    /// The value of `key`, treating JSON `null` as absent.
    public func value(_ key: String) -> JSONValue? {
        switch self.object[key] {
        case nil, .null?: nil
        case let value?: value
        }
    }

    /// A required string.
    public func string(_ key: String) throws(AgentdError) -> String {
        guard let value = try self.optionalString(key) else {
            throw .badRequest("\(self.name(key)): missing")
        }
        return value
    }

    /// An optional string.
    public func optionalString(_ key: String) throws(AgentdError) -> String? {
        switch self.value(key) {
        case nil: return nil
        case .string(let s)?: return s
        default: throw .badRequest("\(self.name(key)): must be a string")
        }
    }

    /// An optional string of bounded length (in UTF-8 bytes).
    public func optionalString(_ key: String, maxLength: Int) throws(AgentdError) -> String? {
        guard let s = try self.optionalString(key) else { return nil }
        guard s.utf8.count <= maxLength else {
            throw .badRequest("\(self.name(key)): longer than \(maxLength) bytes")
        }
        return s
    }

    /// An optional integer within `range`.
    public func optionalInt(_ key: String, in range: ClosedRange<Int>) throws(AgentdError) -> Int? {
        switch self.value(key) {
        case nil:
            return nil
        case .number(let n)?:
            guard let v = n.intValue else {
                throw .badRequest("\(self.name(key)): must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            guard range.contains(v) else {
                throw .badRequest("\(self.name(key)): \(v) is out of range \(range.lowerBound)...\(range.upperBound)")
            }
            return v
        default:
            throw .badRequest("\(self.name(key)): must be an integer")
        }
    }

    /// An optional boolean.
    public func optionalBool(_ key: String) throws(AgentdError) -> Bool? {
        switch self.value(key) {
        case nil: return nil
        case .bool(let b)?: return b
        default: throw .badRequest("\(self.name(key)): must be true or false")
        }
    }

    /// A required object.
    public func object(_ key: String) throws(AgentdError) -> JSONObject {
        switch self.value(key) {
        case nil: throw .badRequest("\(self.name(key)): missing")
        case .object(let o)?: return o
        default: throw .badRequest("\(self.name(key)): must be an object")
        }
    }

    /// An optional object.
    public func optionalObject(_ key: String) throws(AgentdError) -> JSONObject? {
        switch self.value(key) {
        case nil: return nil
        case .object(let o)?: return o
        default: throw .badRequest("\(self.name(key)): must be an object")
        }
    }

    /// A required array of strings, with a bound on its length.
    public func strings(_ key: String, maxCount: Int) throws(AgentdError) -> [String] {
        guard let values = try self.optionalStrings(key, maxCount: maxCount) else {
            throw .badRequest("\(self.name(key)): missing")
        }
        return values
    }

    /// An optional array of strings, with a bound on its length.
    public func optionalStrings(_ key: String, maxCount: Int) throws(AgentdError) -> [String]? {
        switch self.value(key) {
        case nil:
            return nil
        case .array(let items)?:
            guard items.count <= maxCount else {
                throw .badRequest("\(self.name(key)): more than \(maxCount) items")
            }
            var out: [String] = []
            out.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                guard case .string(let s) = item else {
                    throw .badRequest("\(self.name(key))[\(index)]: must be a string")
                }
                out.append(s)
            }
            return out
        default:
            throw .badRequest("\(self.name(key)): must be an array of strings")
        }
    }

    /// An optional enum value given by its raw string.
    public func optionalEnum<E: RawRepresentable & CaseIterable>(
        _ key: String,
        _ type: E.Type
    ) throws(AgentdError) -> E? where E.RawValue == String {
        guard let raw = try self.optionalString(key) else { return nil }
        guard let value = E(rawValue: raw) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw .badRequest("\(self.name(key)): \"\(raw.prefix(64))\" is not one of \(allowed)")
        }
        return value
    }
}
