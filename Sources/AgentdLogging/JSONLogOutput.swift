import Foundation
import NIOConcurrencyHelpers

/// Where `JSONLogHandler` writes its lines: each line in one write, under one lock shared by
/// every handler, so lines from different threads never interleave.
public struct JSONLogOutput: Sendable {
    private let sink: @Sendable ([UInt8]) -> Void

    /// Lines handed to `sink`, one call per line (tests collect them).
    public init(_ sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.sink = sink
    }

    /// Standard error, where agentd's logs and its ready line go.
    public static let standardError = JSONLogOutput { bytes in
        StandardErrorLock.lock.withLock {
            // A log line that cannot be written has nowhere else to go.
            try? FileHandle.standardError.write(contentsOf: bytes)
        }
    }

    func write(_ bytes: [UInt8]) {
        self.sink(bytes)
    }
}

private enum StandardErrorLock {
    static let lock = NIOLock()
}
