import Foundation

/// Deletes day folders older than the retention; anything not named like a day is left alone.
enum AuditRetention {
    /// The oldest day kept when today is `today` and `days` days are kept before it.
    static func oldestKept(nowMilliseconds: Int64, days: Int) -> AuditDay {
        AuditDay(millisecondsSinceEpoch: nowMilliseconds - Int64(days) * 86_400_000)
    }

    /// Removes the day folders in `directory` older than `oldestKept`; returns their names.
    /// - Throws: when the directory cannot be listed (a missing one is not an error).
    static func sweep(_ directory: URL, oldestKept: AuditDay) throws -> [String] {
        let fileManager = FileManager.default
        guard fileManager.fileExists(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in try fileManager.contentsOfDirectory(atPath: directory.path).sorted() {
            guard let day = AuditDay(folderName: name), day < oldestKept else { continue }
            var isDirectory: ObjCBool = false
            let path = directory.appendingPathComponent(name).path
            guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            try fileManager.removeItem(atPath: path)
            removed.append(name)
        }
        return removed
    }
}
