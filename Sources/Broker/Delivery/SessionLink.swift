import NIOCore

/// A connection as the delivery engine sees it: who it speaks for and how to push to it.
public final class SessionLink: Sendable, Hashable {
    /// Unique per connection for the life of the process.
    public let id: UInt64
    /// The agent the connection said hello as.
    public let agentID: String
    /// The connection's event loop (replies complete there).
    public let eventLoop: any EventLoop
    /// Writes delivered messages to the connection, each as a `message` event; safe to call
    /// from any thread.
    let push: @Sendable ([[UInt8]]) -> Void

    /// Creates a link.
    public init(id: UInt64, agentID: String, eventLoop: any EventLoop, push: @escaping @Sendable ([[UInt8]]) -> Void) {
        self.id = id
        self.agentID = agentID
        self.eventLoop = eventLoop
        self.push = push
    }

    public static func == (a: SessionLink, b: SessionLink) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(self.id) }
}
