import Foundation

/// A file error in one short line, e.g. `No space left on device: /var/lib/agentd/audit/…`:
/// Foundation's descriptions on Linux run to several hundred characters and bury the errno.
enum AuditErrorDescription {
    static func describe(_ error: any Error) -> String {
        let cocoa = error as? CocoaError
        guard let code = Self.posixCode(cocoa?.underlying ?? error) else { return "\(error)" }
        let reason = String(cString: strerror(code))
        if let path = cocoa?.filePath ?? cocoa?.url?.path {
            return "\(reason): \(path)"
        }
        return reason
    }

    private static func posixCode(_ error: (any Error)?) -> Int32? {
        guard let error else { return nil }
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let nsError = error as NSError
        return nsError.domain == NSPOSIXErrorDomain ? Int32(nsError.code) : nil
    }
}
