import AgentCore
import NIOCore

/// Finding what a failed take took, or a failed ack left.
///
/// A take that fails with `unavailable` (Redis stopped answering, the connection was cut)
/// may still run in Redis later: the entries it read are then in the consumer group's
/// pending list, delivered to nobody, and no ack timeout of this process covers them. So the
/// inbox is marked, and after `resyncDelay` — when every store call made before the failure
/// has ended one way or the other — this daemon's pending list of the inbox is read and every
/// entry the engine does not know (not in flight, not acked since the failure) is released:
/// delivered again, with its attempt count. A failed release is cured the same way.
extension DeliveryState {
    /// An ack's or a release's store call failed: its entries may still be pending in the
    /// store, unknown to the engine. Same cure as for a failed take.
    mutating func storeCallFailed(inbox agent: String, now: NIODeadline) {
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
        inbox.taking = false
        inbox.resyncPending = false
        inbox.ackedDuringResync = []
        self.inboxes[agent] = inbox
        for entry in pending where !known.contains(entry.ref.entryID) {
            if entry.deliveries >= self.limits.maxDeliveries {
                let reason = DeadLetterReason(
                    reason: "max_deliveries",
                    attempts: entry.deliveries,
                    at: Timestamp(millisecondsSinceEpoch: wallNow)
                )
                actions.append(.deadLetter(inbox: agent, ref: entry.ref, reason: reason))
            } else {
                let release = ReleasedEntry(ref: entry.ref, deliveries: entry.deliveries, delayMilliseconds: 0, keepsWaiting: true)
                actions.append(.release(inbox: agent, entry: release))
            }
        }
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
