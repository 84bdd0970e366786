/// A TCP address written `HOST:PORT`, or `[IPV6]:PORT` for IPv6 literals.
///
/// Port 0 is allowed: for a listening address it means "pick a free port" (the daemon then
/// reports the real one on its ready line).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP address, without brackets (`::1`, not `[::1]`).
    public var host: String
    /// 0…65535.
    public var port: Int

    /// Creates an address from its parts; no validation (the parts are already values).
    /// - Parameters:
    ///   - host: A host name or IP address, without brackets.
    ///   - port: The port number.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPV6]:PORT`.
    /// - Parameter text: The address as written in a config file, variable or flag.
    /// - Throws: `ConfigurationError` without a location prefix (the caller adds the key):
    ///   a missing host or port, a port outside 0…65535, an unbracketed IPv6 address, or
    ///   characters no host name or address can contain.
    public init(parsing text: String) throws(ConfigurationError) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            // [IPV6]:PORT — the brackets are what make the last colon unambiguous.
            guard let close = text.firstIndex(of: "]") else {
                throw Self.invalid(text, "missing ']' after the IPv6 address")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.first == ":" else {
                throw Self.invalid(text, "missing ':PORT' after ']'")
            }
            portPart = rest.dropFirst()
            guard !hostPart.isEmpty, hostPart.contains(":"),
                hostPart.unicodeScalars.allSatisfy(Self.isIPv6Character)
            else {
                throw Self.invalid(text, "not an IPv6 address inside [ ]")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw Self.invalid(text, "missing ':PORT'")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") {
                throw Self.invalid(text, "write IPv6 addresses in brackets, e.g. [::1]:7420")
            }
            guard !hostPart.isEmpty else {
                throw Self.invalid(text, "missing host (use 0.0.0.0 or [::] for all interfaces)")
            }
            guard hostPart.unicodeScalars.allSatisfy(Self.isHostNameCharacter) else {
                throw Self.invalid(text, "the host may contain only letters, digits, '.', '-' and '_'")
            }
        }
        guard !portPart.isEmpty, portPart.utf8.count <= 5, portPart.unicodeScalars.allSatisfy(TOMLInteger.isDigit),
            let port = Int(portPart), (0...65535).contains(port)
        else {
            throw Self.invalid(text, "the port must be a number from 0 to 65535")
        }
        self.host = String(hostPart)
        self.port = port
    }

    /// `host:port`, with brackets around IPv6 hosts so the result parses back to the same value.
    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    private static func invalid(_ text: String, _ reason: String) -> ConfigurationError {
        ConfigurationError("expected HOST:PORT, got \"\(text)\" (\(reason))")
    }

    private static func isHostNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "-", "_": return true
        default: return false
        }
    }

    /// Hex digits, `:` and `.` (IPv4-mapped tails), plus `%zone` (`fe80::1%eth0`).
    private static func isIPv6Character(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ":", ".", "%", "_", "-": return true
        default: return false
        }
    }
}

extension HostPort {
    /// True for `localhost`, 127.0.0.0/8 and `::1`: addresses no other machine can reach.
    public var isLoopback: Bool {
        let host = self.host.lowercased()
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
