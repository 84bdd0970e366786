import AgentCore
import Foundation
import Logging

/// `log_format = json`: each log record is one JSON object on one line, for journald,
/// Loki or `jq`:
///
/// ```
/// {"ts":"2026-03-14T12:00:00.123Z","level":"warning","label":"agentd","message":"take failed",
///  "source":"Broker","metadata":{"agentd.agent_id":"w-1","agentd.error":"unavailable: …"}}
/// ```
///
/// Metadata values are strings; nested dictionaries are flattened to dotted keys (`a.b`),
/// arrays written as their description. Keys appear sorted, so lines are stable for tests.
public struct JSONLogHandler: LogHandler {
    /// Records below this level are not logged (checked by `Logger`).
    public var logLevel: Logger.Level = .info
    /// Metadata added to every record of this handler.
    public var metadata: Logger.Metadata = [:]
    /// More metadata, computed per record (task-local context).
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: JSONLogOutput
    private let now: @Sendable () -> Int64

    /// A handler writing to standard error.
    /// - Parameter label: the logger's label (`label` field).
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label, output: .standardError)
    }

    /// A handler writing each line to `output`, with time from `now` (epoch ms).
    /// - Parameters:
    ///   - label: the logger's label (`label` field).
    ///   - output: where lines go.
    ///   - now: the clock; the wall clock by default.
    public init(
        label: String,
        output: JSONLogOutput,
        now: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)) }
    ) {
        self.label = label
        self.output = output
        self.now = now
    }

    /// One metadata value of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    /// Writes `event` as one line.
    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() {
            merged.merge(provided) { _, new in new }
        }
        if let own = event.metadata {
            merged.merge(own) { _, new in new }
        }
        var flat: [(String, String)] = []
        for (key, value) in merged {
            Self.flatten(key, value, into: &flat)
        }
        flat.sort { $0.0 < $1.0 }

        var w = JSONWriter(capacity: 256)
        w.writeRaw("{\"ts\":\"")
        w.writeTimestamp(Timestamp(millisecondsSinceEpoch: self.now()))
        w.writeRaw("\",\"level\":")
        w.writeString(event.level.rawValue)
        w.writeRaw(",\"label\":")
        w.writeString(self.label)
        w.writeRaw(",\"message\":")
        w.writeString(event.message.description)
        w.writeRaw(",\"source\":")
        w.writeString(event.source)
        if let error = event.error {
            w.writeRaw(",\"error\":")
            w.writeString("\(error)")
        }
        if !flat.isEmpty {
            w.writeRaw(",\"metadata\":{")
            for (index, (key, value)) in flat.enumerated() {
                if index > 0 { w.writeRaw(",") }
                w.writeKey(key)
                w.writeString(value)
            }
            w.writeRaw("}")
        }
        w.writeRaw("}\n")
        self.output.write(w.bytes)
    }

    private static func flatten(_ key: String, _ value: Logger.Metadata.Value, into flat: inout [(String, String)]) {
        switch value {
        case .dictionary(let nested):
            for (inner, value) in nested {
                Self.flatten("\(key).\(inner)", value, into: &flat)
            }
        case .string(let text):
            flat.append((key, text))
        case .stringConvertible(let convertible):
            flat.append((key, convertible.description))
        case .array:
            flat.append((key, value.description))
        }
    }
}
