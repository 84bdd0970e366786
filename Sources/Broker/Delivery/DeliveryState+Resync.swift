import NIOCore

/// Finding what a failed take took, or a failed ack left.
///
/// A take that fails with `unavailable` (Redis stopped answering, the connection was cut)
/// may still run in Redis later: the entries it read are then in the consumer group's
/// pending list, delivered to nobody, and no ack timeout of this process covers them. So the
/// inbox is marked, and after `resyncDelay` — when every store call made before the failure
/// has ended one way or the other — its pending list is read and every entry the engine does
/// not know (not in flight, not waiting for another attempt, not acked since the failure)
/// becomes a retry: delivered again, with its attempt count.
extension DeliveryState {
    /// An ack's store call failed: its entries may still be pending in the store, unknown
    /// to the engine. Same cure as for a failed take.
    mutating func ackFailed(inbox agent: String, now: NIODeadline) {
        var inbox = self.inboxes[agent, default: InboxState()]
        guard !inbox.resyncPending else { return }
        inbox.resyncPending = true
        inbox.ackedDuringResync = []
        self.inboxes[agent] = inbox
        self.timers.push(.resync(inbox: agent), at: now + self.limits.resyncDelay)
    }

    mutating func startResync(_ agent: String, now: NIODeadline, actions: inout [DeliveryAction]) {
        guard var inbox = self.inboxes[agent], inbox.resyncPending else { return }
        guard !inbox.taking else {
            // A take in flight would make its entries look unknown; wait for it.
            self.timers.push(.resync(inbox: agent), at: now + .milliseconds(100))
            return
        }
        inbox.taking = true
        self.inboxes[agent] = inbox
        actions.append(.resync(inbox: agent))
    }

    mutating func resynced(_ agent: String, pending: [RecoveredEntry], now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        guard var inbox = self.inboxes[agent] else { return }
        var known = inbox.ackedDuringResync
        for record in inbox.inFlight.values {
            known.insert(record.ref.entryID)
        }
        for list in inbox.retries {
            for retry in list {
                known.insert(retry.entryID)
            }
        }
        inbox.taking = false
        inbox.resyncPending = false
        inbox.ackedDuringResync = []
        self.inboxes[agent] = inbox
        let unknown = pending.filter { !known.contains($0.ref.entryID) }
        self.recovered([agent: unknown], wallNow: wallNow, actions: &actions)
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        self.dropIfIdle(agent)
    }

    mutating func resyncFailed(_ agent: String, now: NIODeadline) {
        guard var inbox = self.inboxes[agent] else { return }
        inbox.taking = false
        self.inboxes[agent] = inbox
        self.timers.push(.resync(inbox: agent), at: now + self.limits.resyncDelay)
    }
}
