import NIOHTTP1

/// Maps a method and a request target to a route, or to the HTTP error that answers it.
/// Pure: no I/O, tested on its own.
public enum AdminRouter {
    /// The outcome of routing one request.
    public enum Decision: Equatable, Sendable {
        /// Serve this route; `headOnly` for `HEAD` (same headers, no body).
        case serve(AdminRoute, query: [(String, String)], headOnly: Bool)
        /// 404: no such path.
        case notFound
        /// 405: the path exists but only `GET` and `HEAD` are served.
        case methodNotAllowed

        /// Equal routes, queries (in order) and `HEAD`-ness; tuples are not `Equatable` themselves.
        public static func == (lhs: Decision, rhs: Decision) -> Bool {
            switch (lhs, rhs) {
            case let (.serve(a, q1, h1), .serve(b, q2, h2)):
                a == b && h1 == h2 && q1.elementsEqual(q2, by: { $0 == $1 })
            case (.notFound, .notFound), (.methodNotAllowed, .methodNotAllowed):
                true
            default:
                false
            }
        }
    }

    private static let routes: [String: AdminRoute] = Dictionary(
        uniqueKeysWithValues: AdminRoute.allCases.map { ($0.path, $0) })

    /// Routes `method` and `uri` (the request target: path, then `?query`).
    public static func decide(method: HTTPMethod, uri: String) -> Decision {
        let (path, query) = Self.split(uri)
        guard let route = Self.routes[path] else { return .notFound }
        switch method {
        case .GET: return .serve(route, query: QueryString.parse(query), headOnly: false)
        case .HEAD: return .serve(route, query: QueryString.parse(query), headOnly: true)
        default: return .methodNotAllowed
        }
    }

    /// The path and the query of a request target; a fragment (never sent by browsers) is dropped.
    static func split(_ uri: String) -> (path: Substring, query: Substring) {
        let target = uri.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let mark = target.firstIndex(of: "?") else { return (target, "") }
        return (target[..<mark], target[target.index(after: mark)...])
    }
}

extension Dictionary where Key == String {
    fileprivate subscript(path: Substring) -> Value? { self[String(path)] }
}
