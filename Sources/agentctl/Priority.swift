import ArgumentParser

/// A message or task priority, checked before anything is sent.
enum Priority: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// Lowest.
    case low
    /// agentd's default.
    case medium
    /// Before medium.
    case high
    /// Before everything else.
    case critical
}
