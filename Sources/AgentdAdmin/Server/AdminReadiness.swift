import NIOConcurrencyHelpers

/// Whether agentd is serving, as `GET /readyz` reports it.
///
/// `starting` until the agent port listens, `serving` from then on, `draining` from the first
/// SIGTERM/SIGINT (load balancers stop sending while the drain finishes). Thread-safe.
public final class AdminReadiness: Sendable {
    /// The three phases, in the order they come.
    public enum Phase: String, Sendable {
        /// The agent port is not listening yet.
        case starting
        /// The agent port listens.
        case serving
        /// A graceful shutdown began; agentd finishes what is in flight, then exits.
        case draining
    }

    private let phase = NIOLockedValueBox(Phase.starting)

    /// Starts in `starting`.
    public init() {}

    /// The phase now.
    public var current: Phase {
        self.phase.withLockedValue { $0 }
    }

    /// The agent port listens. Never leaves `draining`.
    public func serving() {
        self.phase.withLockedValue { phase in
            if phase == .starting { phase = .serving }
        }
    }

    /// The drain began.
    public func draining() {
        self.phase.withLockedValue { $0 = .draining }
    }
}
