import AgentCore

/// A UTC calendar day, `YYYY-MM-DD`: the name of a day folder and the suffix of its files.
///
/// The fixed-width form sorts like the days it names, so comparing names compares days.
struct AuditDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    let name: String

    /// The day `millisecondsSinceEpoch` falls on, in UTC.
    init(millisecondsSinceEpoch ms: Int64) {
        self.name = String(Timestamp(millisecondsSinceEpoch: ms).description.prefix(10))
    }

    /// A folder name that is a day, or nil for anything else (left alone by retention).
    init?(folderName: String) {
        let bytes = Array(folderName.utf8)
        guard bytes.count == 10 else { return nil }
        for (index, byte) in bytes.enumerated() {
            let isDash = index == 4 || index == 7
            guard isDash ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                return nil
            }
        }
        self.name = folderName
    }

    var description: String { self.name }

    /// The file of `category` in this day's folder, relative to the audit directory.
    func relativePath(_ category: AuditCategory) -> String {
        "\(self.name)/\(category.rawValue)_\(self.name).jsonl"
    }

    static func < (a: AuditDay, b: AuditDay) -> Bool { a.name < b.name }
}
