/// A JSON object that keeps key order (as received) and rejects duplicate keys when parsed.
///
/// Keys are unique. Equality ignores order, as RFC 8259 objects are unordered,
/// while serialization and iteration use the stored order.
public struct JSONObject: Sendable, Equatable, Hashable, Sequence, CustomStringConvertible {
    /// One stored pair; a single array means one allocation per parsed object.
    struct Entry: Sendable {
        var key: String
        var value: JSONValue
    }

    private var entries: [Entry]
    // Built only for large objects: broker messages are small, where a linear
    // scan beats hashing, but hostile input must not make lookups quadratic.
    private var lookup: [String: Int]?

    /// Objects up to this size are searched linearly.
    static let linearSearchLimit = 16

    /// An empty object.
    public init() {
        entries = []
        lookup = nil
    }

    /// An object with `pairs` in order. A repeated key keeps its first
    /// position and its last value, like assigning through the subscript.
    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        entries.reserveCapacity(pairs.count)
        for (key, value) in pairs {
            self[key] = value
        }
    }

    /// The value for `key`. Setting a new key appends it at the end, setting an
    /// existing key replaces its value in place, and setting nil removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return entries[position].value
        }
        set {
            if let position = position(of: key) {
                if let newValue {
                    entries[position].value = newValue
                } else {
                    remove(at: position)
                }
            } else if let newValue {
                appendNew(key: key, value: newValue)
            }
        }
    }

    /// Removes `key` and returns its value, or nil if it was absent.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let old = entries[position].value
        remove(at: position)
        return old
    }

    /// Whether `key` is present.
    public func contains(key: String) -> Bool {
        position(of: key) != nil
    }

    /// The keys in stored order.
    public var keys: [String] { entries.map(\.key) }

    /// The values in stored order.
    public var values: [JSONValue] { entries.map(\.value) }

    /// The number of keys.
    public var count: Int { entries.count }

    /// True when there are no keys.
    public var isEmpty: Bool { entries.isEmpty }

    /// Iterates `(key, value)` pairs in stored order.
    public func makeIterator() -> Iterator {
        Iterator(object: self)
    }

    /// Iterates `(key, value)` pairs in stored order.
    public struct Iterator: IteratorProtocol {
        private let object: JSONObject
        private var position = 0

        init(object: JSONObject) {
            self.object = object
        }

        /// The next pair, or nil at the end.
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard position < object.entries.count else { return nil }
            let entry = object.entries[position]
            position += 1
            return (entry.key, entry.value)
        }
    }

    /// The number of pairs, so `Array(object)` allocates once.
    public var underestimatedCount: Int { entries.count }

    /// Compact JSON text.
    public var description: String { JSONValue.object(self).jsonString }

    /// Same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        // Fast path: identical order, the common case for values that were
        // built or parsed the same way.
        var sameOrder = true
        for index in lhs.entries.indices where lhs.entries[index].key != rhs.entries[index].key {
            sameOrder = false
            break
        }
        if sameOrder {
            for index in lhs.entries.indices where lhs.entries[index].value != rhs.entries[index].value {
                return false
            }
            return true
        }
        for entry in lhs.entries {
            guard let other = rhs[entry.key], other == entry.value else { return false }
        }
        return true
    }

    /// Order-independent, to agree with `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        var sum = 0
        for entry in entries {
            var pairHasher = Hasher()
            pairHasher.combine(entry.key)
            pairHasher.combine(entry.value)
            sum &+= pairHasher.finalize()
        }
        hasher.combine(sum)
    }

    // MARK: - Internal, used by the parser

    /// Takes entries whose keys the parser has already checked are unique.
    init(uniqueEntries: [Entry]) {
        entries = uniqueEntries
        lookup = nil
        if entries.count > Self.linearSearchLimit { rebuildLookup() }
    }

    /// Appends a key the caller has checked is absent.
    private mutating func appendNew(key: String, value: JSONValue) {
        let position = entries.count
        entries.append(Entry(key: key, value: value))
        if lookup != nil {
            lookup?[key] = position
        } else if entries.count > Self.linearSearchLimit {
            rebuildLookup()
        }
    }

    @inline(__always)
    func position(of key: String) -> Int? {
        if let lookup { return lookup[key] }
        return entries.firstIndex { $0.key == key }
    }

    private mutating func remove(at position: Int) {
        entries.remove(at: position)
        if lookup != nil {
            if entries.count > Self.linearSearchLimit {
                rebuildLookup()
            } else {
                lookup = nil
            }
        }
    }

    private mutating func rebuildLookup() {
        var table = [String: Int](minimumCapacity: entries.count)
        for (index, entry) in entries.enumerated() {
            table[entry.key] = index
        }
        lookup = table
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object with the literal's pairs in source order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
