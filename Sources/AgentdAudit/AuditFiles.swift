import Foundation

/// The open audit files, one per category, for the day being written; a line for another day
/// closes that category's file and opens the other day's (rotation follows the events' time).
///
/// Used only on the audit writer's queue.
final class AuditFiles {
    let directory: URL
    private var open: [AuditCategory: (day: AuditDay, handle: FileHandle)] = [:]

    init(directory: URL) {
        self.directory = directory
    }

    /// Appends `bytes` (whole lines) to the category's file of `day`, creating folder and file
    /// as needed.
    /// - Throws: when the folder or file cannot be created, opened or written.
    func append(_ bytes: [UInt8], to category: AuditCategory, day: AuditDay) throws {
        let handle = try self.handle(category, day)
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            // A failed write may leave the handle mid-line; the next attempt opens afresh.
            self.close(category)
            throw error
        }
    }

    func closeAll() {
        for category in Array(self.open.keys) {
            self.close(category)
        }
    }

    private func close(_ category: AuditCategory) {
        try? self.open.removeValue(forKey: category)?.handle.close()
    }

    private func handle(_ category: AuditCategory, _ day: AuditDay) throws -> FileHandle {
        if let current = self.open[category], current.day == day {
            return current.handle
        }
        self.close(category)
        let fileManager = FileManager.default
        let folder = self.directory.appendingPathComponent(day.name, isDirectory: true)
        try fileManager.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = self.directory.appendingPathComponent(day.relativePath(category))
        if !fileManager.fileExists(atPath: file.path) {
            guard fileManager.createFile(atPath: file.path, contents: nil) else {
                throw AuditFileError(path: file.path)
            }
        }
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        self.open[category] = (day, handle)
        return handle
    }
}

/// A file that could not be created (FileManager reports no reason).
struct AuditFileError: Error, CustomStringConvertible {
    let path: String
    var description: String { "cannot create \(self.path)" }
}
