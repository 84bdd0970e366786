import AgentCore
import Logging
import NIOConcurrencyHelpers
import Testing

@testable import AgentdLogging

@Suite struct JSONLogHandlerTests {
    /// A logger whose lines are collected; the clock reads 2026-03-14T12:00:00.250Z.
    private func logger(_ lines: NIOLockedValueBox<[String]>, level: Logger.Level = .info) -> Logger {
        let output = JSONLogOutput { bytes in lines.withLockedValue { $0.append(String(decoding: bytes, as: UTF8.self)) } }
        var logger = Logger(label: "agentd") { label in
            JSONLogHandler(label: label, output: output, now: { 1_773_489_600_250 })
        }
        logger.logLevel = level
        return logger
    }

    @Test func oneObjectPerLine() throws {
        let lines = NIOLockedValueBox<[String]>([])
        self.logger(lines).warning("take failed", metadata: ["agentd.agent_id": "w-1"], source: "Broker")
        let text = try #require(lines.withLockedValue { $0 }.first)
        #expect(text == #"{"ts":"2026-03-14T12:00:00.250Z","level":"warning","label":"agentd","message":"take failed","source":"Broker","metadata":{"agentd.agent_id":"w-1"}}"# + "\n")
    }

    @Test func escapingSurvivesARoundTrip() throws {
        let lines = NIOLockedValueBox<[String]>([])
        let nasty = "quote \" backslash \\ newline \n tab \t bell \u{7} é 🚀"
        self.logger(lines).error("\(nasty)", metadata: ["k\"ey": "\(nasty)"])
        let text = try #require(lines.withLockedValue { $0 }.first)
        #expect(text.filter { $0 == "\n" }.count == 1, "exactly one line, newline at the end")
        let object = try #require(try JSONParser.parse(text.trimmingSuffixNewline).objectValue)
        #expect(object["message"]?.stringValue == nasty)
        #expect(object["metadata"]?["k\"ey"]?.stringValue == nasty)
    }

    @Test func metadataIsFlattenedToStrings() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = self.logger(lines)
        logger[metadataKey: "agentd.conn"] = "7"
        logger.info("hello", metadata: [
            "count": .stringConvertible(3),
            "nested": ["a": "1", "b": ["c": "2"]],
            "list": ["x", "y"],
            "agentd.conn": "8",  // the record's own value wins over the logger's
        ])
        let text = try #require(lines.withLockedValue { $0 }.first)
        let metadata = try #require(try JSONParser.parse(text.trimmingSuffixNewline).objectValue?["metadata"]?.objectValue)
        #expect(metadata.keys == ["agentd.conn", "count", "list", "nested.a", "nested.b.c"])
        #expect(metadata["agentd.conn"] == "8")
        #expect(metadata["count"] == "3")
        #expect(metadata["nested.b.c"] == "2")
        #expect(metadata["list"] == #"["x", "y"]"#)
    }

    @Test func levelIsHonouredAndNoMetadataMeansNoField() throws {
        let lines = NIOLockedValueBox<[String]>([])
        let logger = self.logger(lines, level: .notice)
        logger.info("dropped")
        logger.notice("kept")
        let all = lines.withLockedValue { $0 }
        #expect(all.count == 1)
        let object = try #require(try JSONParser.parse(all[0].trimmingSuffixNewline).objectValue)
        #expect(object["message"] == "kept")
        #expect(object["level"] == "notice")
        #expect(object["metadata"] == nil)
    }
}

extension String {
    fileprivate var trimmingSuffixNewline: String {
        self.hasSuffix("\n") ? String(self.dropLast()) : self
    }
}
