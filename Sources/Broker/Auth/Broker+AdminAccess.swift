import AgentCore
import NIOCore

/// Whether a request to the admin port's data routes may be served.
public enum AdminAccess: Sendable, Equatable {
    /// `auth.mode = none`: no token is asked for.
    case open
    /// The bearer token belongs to an agent with a role that may read everything.
    case granted
    /// No token or a wrong one; answer 401 after `delay` (failed hellos and failed admin
    /// requests from one address share the slow-down).
    case refused(delay: TimeAmount)
}

extension Broker {
    /// The roles whose token opens the admin port: those that may read every agent's data
    /// over the agent port too.
    public static let adminRoles: Set<AgentRole> = [.monitor, .supervisor, .coordinator]

    /// Checks an `Authorization` header (`Bearer <token>`) against the tokens file: the token
    /// must be that of an entry whose roles include `monitor`, `supervisor` or `coordinator`.
    /// - Parameters:
    ///   - authorization: the header's value, nil when absent.
    ///   - address: the peer's IP address, for the slow-down of repeated failures.
    public func adminAccess(authorization: String?, from address: String) -> AdminAccess {
        guard let authenticator = self.authenticator else { return .open }
        // Hashing happens whatever the header holds, so a missing token costs what a wrong one does.
        let token = authorization.flatMap(Self.bearerToken) ?? ""
        let table = authenticator.table.withLockedValue { $0 }
        let roles = table.roles(bearer: token)
        if !token.isEmpty, roles.contains(where: { AgentRole(rawValue: $0).map(Self.adminRoles.contains) ?? false }) {
            return .granted
        }
        self.metrics.adminRefused()
        return .refused(delay: authenticator.failed(from: address))
    }

    /// The token of `Bearer <token>` (the scheme is case-insensitive, RFC 9110), else nil.
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: " \t")
        return token.isEmpty ? nil : token
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        let blanks = Set(set)
        var slice = self[...]
        while let first = slice.first, blanks.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, blanks.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
