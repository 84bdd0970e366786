import AgentCore
import NIOCore

/// `request`: a waiter per request in its agent's inbox, matched by correlation id.
///
/// The request's waiter is placed before its message is sent. From then on, every message
/// stored for the agent (a send through this daemon, or another daemon's wake-up) makes the
/// inbox look for the waiters' correlation ids in the store (`takeReplies`) before any
/// ordinary take: the first unread message carrying one is removed from the inbox and
/// counted delivered and acked in the same step, and answers its request. Other messages are
/// not touched: fetches and pushes of the agent's connections get them as ever. An ordinary
/// take that ran beside the reply's arrival hands the reply to its request too, and acks it.
/// A reply that comes after its request ended (timed out, or the connection closed) is an
/// ordinary message: delivered by fetch or push. One found just as its request ended is put
/// back into the inbox for that.
extension DeliveryState {
    /// Most correlation ids looked for in one store call; the others wait for the next one.
    static let maxRepliesPerTake = 100

    /// Places a waiter for the first message to the session's agent carrying `correlationID`.
    mutating func awaitReply(
        _ session: SessionLink,
        correlationID: String,
        timeout: TimeAmount,
        waiterID: UInt64,
        promise: EventLoopPromise<[UInt8]?>,
        now: NIODeadline
    ) {
        let agent = session.agentID
        let deadline = now + timeout
        // Moved out and back: a copy would make the append copy the waiters.
        var inbox = self.inboxes.removeValue(forKey: agent) ?? InboxState()
        inbox.replyWaiters.append(
            ReplyWaiter(id: waiterID, session: session, correlationID: correlationID, promise: promise, deadline: deadline)
        )
        self.inboxes[agent] = inbox
        self.timers.push(.replyDeadline(inbox: agent, waiterID: waiterID), at: deadline)
        // No look yet: the request is not sent, so its reply cannot be there; the send's
        // `stored` (or the replier's wake-up) starts the first one.
    }

    /// The request's send failed: its waiter goes, answered with nothing.
    mutating func cancelReply(_ session: SessionLink, waiterID: UInt64, actions: inout [DeliveryAction]) {
        self.replyTimedOut(session.agentID, waiterID: waiterID, actions: &actions)
    }

    mutating func replyTimedOut(_ agent: String, waiterID: UInt64, actions: inout [DeliveryAction]) {
        guard let index = self.inboxes[agent]?.replyWaiters.firstIndex(where: { $0.id == waiterID }),
            let waiter = self.inboxes[agent]?.replyWaiters.remove(at: index)
        else { return }
        actions.append(.completeRequest(waiter.promise, nil))
        self.dropIfIdle(agent)
    }

    /// The reply take `pump` should start now, if any; marks the inbox as taking.
    mutating func replyTake(_ inbox: inout InboxState, agent: String) -> ReplyTakeRequest? {
        guard !inbox.replyWaiters.isEmpty, inbox.repliesMayHaveNew else { return nil }
        inbox.repliesMayHaveNew = false
        inbox.taking = true
        var ids: [String] = []
        var seen = Set<String>()
        for waiter in inbox.replyWaiters where ids.count < Self.maxRepliesPerTake && seen.insert(waiter.correlationID).inserted {
            ids.append(waiter.correlationID)
        }
        if inbox.replyWaiters.count > ids.count {
            // Ids left out (or waiting behind an equal one) are looked for in the next call.
            inbox.repliesMayHaveNew = true
        }
        return ReplyTakeRequest(inbox: agent, correlationIDs: ids)
    }

    /// A reply take finished: answer the requests whose replies were found.
    mutating func repliesTaken(_ result: ReplyTakeResult, inbox agent: String, now: NIODeadline, wallNow: Int64, actions: inout [DeliveryAction]) {
        guard var inbox = self.inboxes.removeValue(forKey: agent) else {
            for reply in result.replies { actions.append(.putBack(inbox: agent, reply)) }
            return
        }
        inbox.taking = false
        if let milliseconds = result.retryInMilliseconds, !inbox.replyWaiters.isEmpty {
            // A delayed send (maybe the reply) joins the inbox then: look again.
            let due = now + .milliseconds(max(1, milliseconds))
            if inbox.wakeAt.map({ $0 > due }) ?? true {
                inbox.wakeAt = due
                self.timers.push(.pumpAgain(inbox: agent), at: due)
            }
        }
        let time = Timestamp(millisecondsSinceEpoch: wallNow)
        for reply in result.replies {
            guard let index = inbox.replyWaiters.firstIndex(where: { $0.correlationID == reply.correlationID }) else {
                // Its request ended while the take ran: the reply is an ordinary message now.
                actions.append(.putBack(inbox: agent, reply))
                continue
            }
            let waiter = inbox.replyWaiters.remove(at: index)
            self.tally.count(reply.message.ref.priority, attempt: 1)
            actions.append(.completeRequest(waiter.promise, EncodedMessage.delivered(reply.message.body, attempt: 1, at: time)))
        }
        self.inboxes[agent] = inbox
        self.pump(agent, now: now, wallNow: wallNow, actions: &actions)
        self.dropIfIdle(agent)
    }

    /// A reply take failed (store unavailable): look again a little later. The requests wait
    /// on; their timeouts still bound them.
    mutating func replyTakeFailed(inbox agent: String, now: NIODeadline) {
        guard var inbox = self.inboxes.removeValue(forKey: agent) else { return }
        inbox.taking = false
        inbox.repliesMayHaveNew = true
        inbox.wakeAt = nil
        self.inboxes[agent] = inbox
        self.timers.push(.pumpAgain(inbox: agent), at: now + .milliseconds(500))
    }

    /// Hands the taken messages that answer waiting requests to them (acked at once); returns
    /// the others, for fetches and pushes.
    mutating func answerRequests(
        with deliveries: [(TakenMessage, Int)],
        inbox: inout InboxState,
        agent: String,
        time: Timestamp,
        actions: inout [DeliveryAction]
    ) -> [(TakenMessage, Int)] {
        var rest: [(TakenMessage, Int)] = []
        rest.reserveCapacity(deliveries.count)
        for (message, attempt) in deliveries {
            guard let correlationID = Self.correlationID(of: message.body),
                let index = inbox.replyWaiters.firstIndex(where: { $0.correlationID == correlationID })
            else {
                rest.append((message, attempt))
                continue
            }
            let waiter = inbox.replyWaiters.remove(at: index)
            self.tally.count(message.ref.priority, attempt: attempt)
            actions.append(.completeRequest(waiter.promise, EncodedMessage.delivered(message.body, attempt: attempt, at: time)))
            actions.append(.ackReply(inbox: agent, ref: message.ref))
        }
        return rest
    }

    /// The top-level `correlation_id` of a stored message (parsed only while a request waits).
    static func correlationID(of body: [UInt8]) -> String? {
        guard case .object(let object)? = try? JSONParser.parse(body), case .string(let id)? = object["correlation_id"] else {
            return nil
        }
        return id
    }
}
