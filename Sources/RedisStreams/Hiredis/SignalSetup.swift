#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// hiredis writes with write(2). Writing to a socket the peer has reset raises SIGPIPE, whose
/// default action kills the whole process; ignoring it turns that into an EPIPE I/O error that
/// the client handles like any broken connection. This is process-wide, as it must be: the
/// signal is not tied to our socket.
enum SignalSetup {
    private static let ignored: Bool = {
        signal(SIGPIPE, SIG_IGN)
        return true
    }()

    /// Idempotent and thread-safe (lazy static initialisation runs once).
    static func ignoreSIGPIPE() {
        _ = ignored
    }
}
