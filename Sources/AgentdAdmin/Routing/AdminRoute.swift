/// The resources of the admin port.
public enum AdminRoute: String, Sendable, CaseIterable {
    /// `GET /`: the dashboard page.
    case dashboard = "/"
    /// `GET /healthz`: 200 when the store answers, 503 when not.
    case healthz = "/healthz"
    /// `GET /readyz`: 200 while serving, 503 while starting or draining.
    case readyz = "/readyz"
    /// `GET /metrics`: Prometheus text format.
    case metrics = "/metrics"
    /// `GET /api/stats`: the `stats` op's answer.
    case stats = "/api/stats"
    /// `GET /api/agents`: the `agents` op's answer; the query names its fields.
    case agents = "/api/agents"
    /// `GET /api/tasks`: the `tasks` op's answer; the query names its fields.
    case tasks = "/api/tasks"

    /// The path, as requested.
    public var path: String { self.rawValue }

    /// Whether `auth.mode = token` asks for a bearer token. Probes stay open (a kubelet or a
    /// load balancer carries no token), and so does the page, which holds no data itself and
    /// asks for the token to send with its own requests.
    public var needsToken: Bool {
        switch self {
        case .dashboard, .healthz, .readyz: false
        case .metrics, .stats, .agents, .tasks: true
        }
    }
}
