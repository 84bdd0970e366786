import NIOConcurrencyHelpers

/// What the registry tells others about; always called outside any lock, so a delegate may
/// call back into the registry.
protocol RegistryDelegate: AnyObject, Sendable {
    /// An agent may be able to take a task now (registered, freed a slot, came back).
    func agentMayTakeWork(_ agentID: String)
    /// Agents are gone (offline or deregistered): their tasks in flight need a new home.
    func agentsLeft(_ agentIDs: [String], reason: String)
}

/// Holds the registry's delegate weakly (the coordinator owns the registry's lifetime).
final class RegistryDelegateBox: Sendable {
    private struct Weak { weak var delegate: (any RegistryDelegate)? }
    private let box = NIOLockedValueBox(Weak())

    func set(_ delegate: any RegistryDelegate) {
        self.box.withLockedValue { $0.delegate = delegate }
    }

    func mayTakeWork(_ agent: String) {
        self.box.withLockedValue { $0.delegate }?.agentMayTakeWork(agent)
    }

    func left(_ agents: [String], reason: String) {
        self.box.withLockedValue { $0.delegate }?.agentsLeft(agents, reason: reason)
    }
}
