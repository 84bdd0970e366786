/// Where agentd listens: `HOST:PORT`, `[IPv6]:PORT`, or a bare host (port 7420).
public struct ServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The port agentd listens on unless configured otherwise (the contract's `listen` default).
    public static let defaultPort = 7420

    /// Host name or IP address, without brackets.
    public let host: String
    /// TCP port, 1–65535.
    public let port: Int

    /// An address from its parts; `host` is an IPv6 address without brackets, an IPv4
    /// address or a name.
    public init(host: String, port: Int = Self.defaultPort) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; nil when it is not an address.
    public init?(_ text: String) {
        var host = Substring(text)
        var portText: Substring?
        if host.hasPrefix("[") {
            // [::1]:7420 — the brackets keep the IPv6 colons apart from the port's.
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { return nil }
                portText = rest.dropFirst()
            }
        } else if let colon = host.lastIndex(of: ":") {
            guard host.firstIndex(of: ":") == colon else { return nil }  // a bare IPv6 needs brackets
            portText = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        guard !host.isEmpty else { return nil }
        var port = Self.defaultPort
        if let portText {
            guard let parsed = Int(portText), (1...65_535).contains(parsed) else { return nil }
            port = parsed
        }
        self.host = String(host)
        self.port = port
    }

    /// `HOST:PORT` as typed, IPv6 in brackets.
    public var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}

extension ServerAddress {
    /// Parses a comma-separated list (`a:7420,b:7420,[::1]:7421`), blanks dropped; nil when
    /// an entry is not an address.
    public static func list(_ text: String) -> [ServerAddress]? {
        var servers: [ServerAddress] = []
        for entry in text.split(separator: ",") {
            // No Foundation here: trim spaces by hand.
            let trimmed = entry.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
            if trimmed.isEmpty { continue }
            guard let server = ServerAddress(String(trimmed)) else { return nil }
            servers.append(server)
        }
        return servers
    }
}
