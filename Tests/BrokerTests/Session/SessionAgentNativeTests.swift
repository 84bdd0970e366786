import AgentCore
import NIOCore
import Testing

@testable import Broker

/// The messaging ops of the contract's "Agent-native extensions", through the real session
/// over a `MemoryStore` (the `Harness` of `SessionHandlerTests`).
@Suite struct SessionAgentNativeTests {
    // MARK: Dead letter at once

    @Test func nackDeadLetterMovesTheMessagesAtOnce() throws {
        let harness = Harness()
        defer { harness.finish() }
        let channel = try harness.connect(as: "w")
        for id in ["r1", "r2"] {
            _ = try harness.exchange(channel, #"{"op":"send","id":1,"message":{"message_id":"\#(id)","to_agent":"w","message_type":"heartbeat","content":{}}}"#)
        }
        _ = try harness.exchange(channel, #"{"op":"fetch","id":2}"#)
        // The first attempt of five: dead all the same; an id not in flight is not counted.
        #expect(
            try harness.exchange(channel, #"{"op":"nack","id":3,"message_ids":["r1","r2","nope"],"dead_letter":true}"#)
                == [#"{"id":3,"ok":true,"requeued":0,"dead_lettered":2}"#]
        )
        #expect(try harness.exchange(channel, #"{"op":"fetch","id":4}"#) == [#"{"id":4,"ok":true,"messages":[]}"#])
        let dead = try messages(try #require(try harness.exchange(channel, #"{"op":"dead_letters","id":5}"#).first))
        #expect(dead.map { $0["message_id"] } == ["r1", "r2"])
        #expect(dead.map { $0["dead"]?["reason"] } == ["rejected", "rejected"])
        #expect(dead.map { $0["dead"]?["attempts"] } == [1, 1])
        // A plain nack keeps its reply.
        #expect(try harness.exchange(channel, #"{"op":"nack","id":6,"message_ids":["r1"],"dead_letter":false}"#) == [#"{"id":6,"ok":true,"requeued":0}"#])
        let wrong = try parse(try #require(try harness.exchange(channel, #"{"op":"nack","id":7,"message_ids":[],"dead_letter":"yes"}"#).first))
        #expect(wrong["error"]?["code"] == "bad_request")
    }

    // MARK: Trace context

    @Test func traceparentIsEchoedOnFetchPushAndDeadLetters() throws {
        let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let harness = Harness()
        defer { harness.finish() }
        let fetcher = try harness.connect(as: "t")
        let send = #"{"op":"send","id":1,"message":{"message_id":"t1","to_agent":"t","message_type":"heartbeat","content":{},"traceparent":"\#(trace)"}}"#
        _ = try harness.exchange(fetcher, send)
        let fetched = try messages(try #require(try harness.exchange(fetcher, #"{"op":"fetch","id":2}"#).first))
        #expect(fetched.first?["traceparent"] == .string(trace))
        _ = try harness.exchange(fetcher, #"{"op":"nack","id":3,"message_ids":["t1"],"dead_letter":true}"#)
        let dead = try messages(try #require(try harness.exchange(fetcher, #"{"op":"dead_letters","id":4}"#).first))
        #expect(dead.first?["traceparent"] == .string(trace))

        let pusher = try harness.connect(as: "p")
        _ = try harness.exchange(pusher, #"{"op":"subscribe","id":5}"#)
        _ = try harness.exchange(fetcher, send.replacingOccurrences(of: #""to_agent":"t""#, with: #""to_agent":"p""#).replacingOccurrences(of: "t1", with: "t2"))
        let pushed = try parse(try #require(try harness.output(pusher).last))
        #expect(pushed["message"]?["traceparent"] == .string(trace))

        let bad = try parse(try #require(try harness.exchange(fetcher, send.replacingOccurrences(of: "-01\"", with: "\"")).first))
        #expect(bad["error"]?["code"] == "bad_request")
        #expect(bad["error"]?["message"]?.stringValue?.hasPrefix("message.traceparent:") == true)
    }

    // MARK: Request / reply

    @Test func requestGetsTheReplyWhichFetchNeverSees() throws {
        let harness = Harness()
        defer { harness.finish() }
        let asker = try harness.connect(as: "asker")
        let other = try harness.connect(as: "asker")
        let helper = try harness.connect(as: "helper")
        _ = try harness.exchange(other, #"{"op":"subscribe","id":1}"#)
        // A message for the asker that is not the reply: delivered as ever.
        _ = try harness.exchange(helper, #"{"op":"send","id":2,"message":{"to_agent":"asker","message_type":"heartbeat","content":{"n":0}}}"#)
        #expect(try harness.output(other).count == 1)
        let asked = try harness.exchange(
            asker,
            #"{"op":"request","id":3,"timeout_ms":60000,"message":{"to_agent":"helper","message_type":"task_request","content":{"q":1},"reply_to":"elsewhere"}}"#,
            #"{"op":"ping","id":4}"#
        )
        // Held back: the request waits, and the ping's reply behind it.
        #expect(asked.isEmpty)
        let incoming = try messages(try #require(try harness.exchange(helper, #"{"op":"fetch","id":5}"#).first))
        let correlation = try #require(incoming.first?["correlation_id"]?.stringValue)
        #expect(incoming.first?["reply_to"] == "asker")
        let reply = #"{"op":"send","id":6,"message":{"message_id":"the-reply","to_agent":"asker","message_type":"task_response","content":{"a":2},"correlation_id":"\#(correlation)"}}"#
        _ = try harness.exchange(helper, reply)
        let answers = try harness.output(asker)
        #expect(answers.count == 2)
        let answer = try parse(try #require(answers.first))
        #expect(answer["id"] == 3)
        #expect(answer["ok"] == true)
        #expect(answer["message_id"] == incoming.first?["message_id"])
        #expect(answer["reply"]?["message_id"] == "the-reply")
        #expect(answer["reply"]?["content"]?["a"] == 2)
        #expect(answer["timed_out"] == nil)
        #expect(try parse(answers[1])["pong"] == true)
        // Taken by the request: the subscribed connection never saw it, nothing left to fetch.
        #expect(try harness.output(other).isEmpty)
        #expect(try harness.exchange(asker, #"{"op":"fetch","id":7}"#) == [#"{"id":7,"ok":true,"messages":[]}"#])
    }

    @Test func requestIsCheckedLikeSend() throws {
        let harness = Harness()
        defer { harness.finish() }
        let asker = try harness.connect(as: "asker")
        let forged = try parse(try #require(try harness.exchange(
            asker,
            #"{"op":"request","id":1,"message":{"from_agent":"x","to_agent":"h","message_type":"heartbeat","content":{}}}"#
        ).first))
        #expect(forged["error"]?["code"] == "forbidden")
        for (body, field) in [
            (#""message":{"to_agent":"h","message_type":"heartbeat","content":{}},"timeout_ms":0"#, "timeout_ms"),
            (#""message":{"to_agent":"h","message_type":"heartbeat","content":{}},"timeout_ms":300001"#, "timeout_ms"),
            (#""message":{"to_agent":"h","message_type":"heartbeat"}"#, "message.content"),
            (#""timeout_ms":5"#, "message"),
        ] {
            let reply = try parse(try #require(try harness.exchange(asker, #"{"op":"request","id":2,"# + body + "}").first))
            #expect(reply["error"]?["code"] == "bad_request")
            #expect(reply["error"]?["message"]?.stringValue?.hasPrefix(field + ":") == true, "\(reply)")
        }
    }
}
