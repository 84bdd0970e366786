#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Cheap byte searches over one reply or event line, so the hot path never parses JSON.
///
/// agentd writes compact JSON (`{"id":null,"ok":true,...}`, no spaces), and the benchmark's
/// own content never contains the keys searched for, so the first match is the field.
/// This file is the only place in agentd-bench that handles raw pointers.
enum Bytes {
    /// Where `needle` starts in `line` at or after `from`, or nil.
    static func find(_ needle: StaticString, in line: UnsafeRawBufferPointer, from: Int = 0) -> Int? {
        // memchr for the first byte, memcmp for the rest (Glibc hides memmem from Swift).
        let length = needle.utf8CodeUnitCount
        guard let base = line.baseAddress, length > 0 else { return nil }
        let first = Int32(needle.utf8Start.pointee)
        var at = from
        while at + length <= line.count {
            guard let hit = memchr(base + at, first, line.count - length + 1 - at) else { return nil }
            let index = UnsafeRawPointer(hit) - base
            if memcmp(base + index, needle.utf8Start, length) == 0 { return index }
            at = index + 1
        }
        return nil
    }

    /// Replies start `{"id":…,"ok":`; events start `{"event"`.
    static func isEvent(_ line: UnsafeRawBufferPointer) -> Bool {
        line.count > 8 && line[1] == UInt8(ascii: "\"") && line[2] == UInt8(ascii: "e") && line[3] == UInt8(ascii: "v")
    }

    static func isOK(_ line: UnsafeRawBufferPointer) -> Bool {
        find("\"ok\":true", in: line) != nil
    }

    /// The string value that follows `key` (a key ending in `":"`), as a range of `line`.
    static func stringValue(after key: StaticString, in line: UnsafeRawBufferPointer, from: Int = 0) -> Range<Int>? {
        guard let at = find(key, in: line, from: from) else { return nil }
        let start = at + key.utf8CodeUnitCount
        var end = start
        while end < line.count, line[end] != UInt8(ascii: "\"") { end += 1 }
        return end < line.count ? start..<end : nil
    }

    /// The unsigned integer that follows `key` (a key ending in `:`).
    static func intValue(after key: StaticString, in line: UnsafeRawBufferPointer) -> UInt64? {
        guard let at = find(key, in: line) else { return nil }
        var index = at + key.utf8CodeUnitCount
        var value: UInt64 = 0
        var digits = 0
        while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
            value = value &* 10 &+ UInt64(line[index] &- UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// Index of the next `\n` at or after `from`.
    static func newline(in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress, from < bytes.count else { return nil }
        guard let found = memchr(base + from, Int32(UInt8(ascii: "\n")), bytes.count - from) else { return nil }
        return UnsafeRawPointer(found) - base
    }

    static func text(_ line: UnsafeRawBufferPointer, limit: Int = 300) -> String {
        String(decoding: line.prefix(limit), as: UTF8.self)
    }

    /// Monotonic clock in nanoseconds (the same clock in every thread of this process).
    static func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
