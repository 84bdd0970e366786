/// A daemon's name in the system when none is configured.
public enum DaemonIdentity {
    /// `configured` when set, else the host name (cut to fit, characters outside
    /// `[A-Za-z0-9._:-]` as `-`) plus a random suffix, so restarts and copies on one host never
    /// share an id.
    public static func make(configured: String?, hostName: String) -> String {
        if let configured { return configured }
        let cleaned = String(hostName.unicodeScalars.prefix(48).map { scalar -> Character in
            Self.isAllowed(scalar) ? Character(scalar) : "-"
        })
        let suffix = String(UInt32.random(in: .min ... .max), radix: 36)
        return (cleaned.isEmpty ? "agentd" : cleaned) + "-" + suffix
    }

    /// The characters of a daemon id (the contract's `[A-Za-z0-9._:-]`).
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", ":", "-": true
        default: false
        }
    }
}
