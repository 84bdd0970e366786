/// Where agentd listens: `HOST:PORT`, `[IPv6]:PORT`, or a bare host (port 7420).
struct ServerAddress: Sendable, CustomStringConvertible {
    /// The port agentd listens on unless configured otherwise (the contract's `listen` default).
    static let defaultPort = 7420

    /// Host name or IP address, without brackets.
    let host: String
    /// TCP port, 1–65535.
    let port: Int

    /// Parses `text`; nil when it is not an address.
    init?(_ text: String) {
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
    var description: String {
        self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }
}
