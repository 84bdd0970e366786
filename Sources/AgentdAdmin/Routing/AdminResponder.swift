import AgentCore
import Broker
import NIOCore
import Prometheus

/// Answers admin requests: routes them, checks the bearer token where one is needed, and
/// reads the broker through the same code paths as the agent port's ops.
public struct AdminResponder: Sendable {
    private let broker: Broker
    private let registry: PrometheusCollectorRegistry?
    private let readiness: AdminReadiness

    /// A responder over `broker`; `registry` is what `/metrics` renders (nil: 404, metrics off).
    public init(broker: Broker, registry: PrometheusCollectorRegistry?, readiness: AdminReadiness) {
        self.broker = broker
        self.registry = registry
        self.readiness = readiness
    }

    /// The response to `request`; the future never fails (errors become error responses).
    public func respond(to request: AdminRequest, on loop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        let route: AdminRoute
        let query: [(String, String)]
        switch AdminRouter.decide(method: request.method, uri: request.uri) {
        case .notFound: return loop.makeSucceededFuture(.notFound)
        case .methodNotAllowed: return loop.makeSucceededFuture(.methodNotAllowed)
        case .serve(let served, let fields, _):
            route = served
            query = fields
        }
        if route.needsToken {
            switch self.broker.adminAccess(authorization: request.authorization, from: request.remoteAddress) {
            case .open, .granted:
                break
            case .refused(let delay):
                // Held back like a refused hello, so guessing tokens is slow from any port.
                return loop.scheduleTask(in: delay) { AdminResponse.unauthorized }.futureResult
            }
        }
        return self.serve(route, query: query, on: loop).flatMapErrorThrowing { error in
            AdminResponse.error(error as? AgentdError ?? .internal(cause: error))
        }
    }

    private func serve(_ route: AdminRoute, query: [(String, String)], on loop: any EventLoop) -> EventLoopFuture<AdminResponse> {
        switch route {
        case .dashboard:
            return loop.makeSucceededFuture(DashboardPage.response)
        case .healthz:
            return self.broker.healthJSON(on: loop).map { health in
                .json(health.json, status: health.storeUp ? .ok : .serviceUnavailable)
            }
        case .readyz:
            let phase = self.readiness.current
            let body = Array("{\"status\":\"\(phase.rawValue)\"}".utf8)
            return loop.makeSucceededFuture(.json(body, status: phase == .serving ? .ok : .serviceUnavailable))
        case .metrics:
            guard let registry = self.registry else { return loop.makeSucceededFuture(.notFound) }
            return self.broker.refreshMetrics(on: loop).map {
                AdminResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
            }
        case .stats:
            return self.broker.statsJSON(on: loop).map { .json($0) }
        case .agents:
            let fields = QueryString.requestFields(query, kinds: .init(integers: ["limit"], booleans: ["available"], lists: ["capabilities"]))
            return Self.attempt(loop) { () throws(AgentdError) in try self.broker.agentsJSON(fields, on: loop) }
        case .tasks:
            let fields = QueryString.requestFields(query, kinds: .init(integers: ["limit"]))
            return Self.attempt(loop) { () throws(AgentdError) in try self.broker.tasksJSON(fields, on: loop) }
        }
    }

    /// Runs a call that may refuse its fields at once; both outcomes become a response.
    private static func attempt(
        _ loop: any EventLoop,
        _ call: () throws(AgentdError) -> EventLoopFuture<[UInt8]>
    ) -> EventLoopFuture<AdminResponse> {
        do {
            return try call().map { .json($0) }
        } catch {
            return loop.makeSucceededFuture(.error(error))
        }
    }
}
