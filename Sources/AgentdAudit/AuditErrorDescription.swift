import Foundation

/// A file error in one short line: Foundation's NSError descriptions on Linux run to several
/// hundred characters and bury the errno that matters ("No space left on device").
enum AuditErrorDescription {
    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        var posix = nsError.domain == NSPOSIXErrorDomain ? nsError : nil
        if posix == nil, let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            posix = underlying
        }
        guard let posix else { return "\(error)" }
        let reason = String(cString: strerror(Int32(posix.code)))
        if let path = nsError.userInfo[NSFilePathErrorKey] as? String {
            return "\(reason): \(path)"
        }
        return reason
    }
}
