/// What the registry tells others about; always called asynchronously, never under the
/// registry's queue, so a delegate may call back into the registry.
protocol RegistryDelegate: AnyObject, Sendable {
    /// An agent may be able to take a task now (registered, freed a slot, came back).
    func agentMayTakeWork(_ agentID: String)
    /// Agents are gone (offline or deregistered): their tasks in flight need a new home.
    func agentsLeft(_ agentIDs: [String], reason: String)
}
