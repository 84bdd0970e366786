import AgentCore
import NIOCore
import NIOEmbedded
import Testing

@testable import Broker

/// `request` waiters in the pure delivery state machine, with a fixed clock moved by hand.
@Suite struct DeliveryStateRepliesTests {
    let loop = EmbeddedEventLoop()
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
    let wallNow: Int64 = 1_795_602_660_123

    private func message(_ id: String, _ low: UInt64, correlation: String? = nil) -> TakenMessage {
        let extra = correlation.map { ",\"correlation_id\":\"\($0)\"" } ?? ""
        return TakenMessage(
            ref: EntryRef(priority: .medium, entryID: EntryID(high: 0, low: low)),
            messageID: id,
            body: Array("{\"message_id\":\"\(id)\",\"content\":{\"correlation_id\":\"decoy\"}\(extra)}".utf8),
            attempt: 1
        )
    }

    private func reply(_ id: String, _ low: UInt64, correlation: String) -> TakenReply {
        TakenReply(correlationID: correlation, message: self.message(id, low, correlation: correlation), expiresAt: nil)
    }

    private func requestAnswers(_ actions: [DeliveryAction]) throws -> [JSONValue?] {
        try actions.compactMap { action in
            guard case .completeRequest(_, let frame) = action else { return nil }
            return try frame.map { try JSONParser.parse($0) } ?? .some(nil)
        }
    }

    private func replyTakes(_ actions: [DeliveryAction]) -> [ReplyTakeRequest] {
        actions.compactMap { action in
            if case .takeReplies(let request) = action { return request }
            return nil
        }
    }

    private func setUp() -> (DeliveryState, SessionLink, EventLoopPromise<[UInt8]?>) {
        var state = DeliveryState(limits: .init(ackTimeout: .seconds(30), maxDeliveries: 5, maxTake: 1_000))
        let session = SessionLink(id: 1, agentID: "asker", eventLoop: self.loop, push: { _ in })
        state.attach(session)
        let promise = self.loop.makePromise(of: [UInt8]?.self)
        state.awaitReply(session, correlationID: "c1", timeout: .seconds(2), waiterID: 7, promise: promise, now: self.start)
        return (state, session, promise)
    }

    @Test func aStoredMessageStartsAReplyTakeBeforeAnyOrdinaryTake() throws {
        var (state, _, promise) = self.setUp()
        // The state machine only hands promises back in actions; complete it here.
        defer { promise.succeed(nil) }
        var actions: [DeliveryAction] = []
        state.stored(for: "asker", now: self.start, wallNow: self.wallNow, actions: &actions)
        #expect(self.replyTakes(actions).map(\.correlationIDs) == [["c1"]])
        // One store call at a time per inbox: a second arrival waits for the first look.
        var more: [DeliveryAction] = []
        state.stored(for: "asker", now: self.start, wallNow: self.wallNow, actions: &more)
        #expect(self.replyTakes(more).isEmpty)
        // Nothing found: the look runs again for the arrival it could not see.
        var after: [DeliveryAction] = []
        state.repliesTaken(ReplyTakeResult(replies: [], retryInMilliseconds: nil), inbox: "asker", now: self.start, wallNow: self.wallNow, actions: &after)
        #expect(self.replyTakes(after).map(\.correlationIDs) == [["c1"]])
        // And sends alongside which a take would ride stay apart while a request waits.
        state.inboxes["asker"]?.taking = false
        let alongside = state.takeAlongsideSend(to: "asker", priority: .medium)
        #expect(alongside == nil)
    }

    @Test func aFoundReplyAnswersTheRequest() throws {
        var (state, _, promise) = self.setUp()
        // The state machine only hands promises back in actions; complete it here.
        defer { promise.succeed(nil) }
        var actions: [DeliveryAction] = []
        state.stored(for: "asker", now: self.start, wallNow: self.wallNow, actions: &actions)
        actions = []
        state.repliesTaken(ReplyTakeResult(replies: [self.reply("r1", 3, correlation: "c1")], retryInMilliseconds: nil), inbox: "asker", now: self.start, wallNow: self.wallNow, actions: &actions)
        let answers = try self.requestAnswers(actions)
        #expect(answers.count == 1)
        #expect(answers.first??["message_id"] == "r1")
        #expect(answers.first??["delivery"]?["attempt"] == 1)
        #expect(state.inboxes["asker"]?.replyWaiters.isEmpty == true)
        // Its timeout is stale now.
        var late: [DeliveryAction] = []
        state.fire(.replyDeadline(inbox: "asker", waiterID: 7), now: self.start + .seconds(2), wallNow: self.wallNow, actions: &late)
        #expect(late.isEmpty)
    }

    @Test func theTimeoutAnswersNothingAndALateFindIsPutBack() throws {
        var (state, _, promise) = self.setUp()
        defer { promise.succeed(nil) }
        var actions: [DeliveryAction] = []
        state.stored(for: "asker", now: self.start, wallNow: self.wallNow, actions: &actions)
        // The deadline falls while the look is in the store.
        #expect(state.timers.nextDeadline == self.start + .seconds(2))
        var timedOut: [DeliveryAction] = []
        while let event = state.timers.popDue(now: self.start + .seconds(2)) {
            state.fire(event, now: self.start + .seconds(2), wallNow: self.wallNow, actions: &timedOut)
        }
        #expect(try self.requestAnswers(timedOut).count == 1)
        #expect(try self.requestAnswers(timedOut).first == .some(nil))
        var found: [DeliveryAction] = []
        state.repliesTaken(ReplyTakeResult(replies: [self.reply("r1", 3, correlation: "c1")], retryInMilliseconds: nil), inbox: "asker", now: self.start + .seconds(2), wallNow: self.wallNow, actions: &found)
        let putBack = found.compactMap { action -> String? in
            if case .putBack(let inbox, let reply) = action { return inbox + " " + reply.message.messageID }
            return nil
        }
        #expect(putBack == ["asker r1"])
        #expect(try self.requestAnswers(found).isEmpty)
    }

    @Test func anOrdinaryTakeHandsTheReplyToTheRequestAndTheRestToTheFetch() throws {
        var (state, session, promise) = self.setUp()
        defer { promise.succeed(nil) }
        let fetch = self.loop.makePromise(of: [[UInt8]].self)
        defer { fetch.succeed([]) }
        var actions: [DeliveryAction] = []
        // A take already under way when the reply arrived.
        state.fetch(session, limit: 10, wait: .seconds(5), waiterID: 8, promise: fetch, now: self.start, wallNow: self.wallNow, actions: &actions)
        state.inboxes["asker"]?.repliesMayHaveNew = false
        state.inboxes["asker"]?.taking = true
        actions = []
        let result = TakeResult(
            taken: [self.message("plain", 1), self.message("r1", 2, correlation: "c1")],
            expired: 0,
            exhausted: true,
            retryInMilliseconds: nil
        )
        state.taken(result, inbox: "asker", generation: state.inboxes["asker"]?.generation ?? 0, now: self.start, wallNow: self.wallNow, actions: &actions)
        #expect(try self.requestAnswers(actions).first??["message_id"] == "r1")
        let acked = actions.compactMap { action -> UInt64? in
            if case .ackReply(_, let ref) = action { return ref.entryID.low }
            return nil
        }
        #expect(acked == [2])
        let fetched = actions.compactMap { action -> [String]? in
            guard case .completeFetch(_, let frames) = action else { return nil }
            return frames.compactMap { try? JSONParser.parse($0)["message_id"]?.stringValue }
        }
        // A `correlation_id` inside `content` is no match: only the top-level one counts.
        #expect(fetched == [["plain"]])
        #expect(state.inboxes["asker"]?.inFlight.keys.sorted() == ["plain"])
    }

    @Test func closingTheConnectionEndsItsRequests() throws {
        var (state, session, promise) = self.setUp()
        defer { promise.succeed(nil) }
        var actions: [DeliveryAction] = []
        state.detach(session, now: self.start, wallNow: self.wallNow, actions: &actions)
        #expect(try self.requestAnswers(actions).first == .some(nil))
        #expect(state.inboxes["asker"] == nil)
    }
}
