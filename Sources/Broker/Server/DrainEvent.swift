/// Sent through each connection's pipeline when agentd drains: stop reading, finish the
/// requests in flight, then close.
struct DrainEvent: Sendable {}
