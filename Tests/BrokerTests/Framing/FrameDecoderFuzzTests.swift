/// Property tests of `FrameDecoder` over random byte streams cut at random points.
///
/// A model of the documented framing (FrameDecoder's doc comment, docs/protocol.md
/// "Framing") predicts the frames: lines end at `\n`, one `\r` before it is dropped, lines of
/// only spaces, tabs and `\r` are skipped, a line longer than `maxFrameBytes` (not counting
/// `\n` or the `\r` before it) becomes `.tooLarge` and nothing follows it, and at end of input
/// an unterminated last line still counts. After every chunk the frames out so far must be
/// exactly the model's frames for the bytes in so far (so a frame is never held back, and
/// an endless line is cut off as soon as it is too long); at EOF or close the rest must
/// follow. Content bytes (invalid UTF-8, NUL, lone `\r`) pass through untouched.
/// `AGENTD_FUZZ_ITERATIONS` and `AGENTD_FUZZ_SEED` set the number of cases and the seed.
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import Broker

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64: enough randomness for stream shapes, and the same on every platform.
private struct StreamRNG {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next().multipliedFullWidth(by: UInt64(bound)).high) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }
    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool { below(denominator) < numerator }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

private enum FuzzEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let text = String(cString: raw)
        return text.isEmpty ? nil : text
    }

    static var iterations: Int { value("AGENTD_FUZZ_ITERATIONS").flatMap { Int($0) }.map { max(1, $0) } ?? 2_000 }

    static var seed: UInt64 {
        let fallback: UInt64 = 0xA6E7_D0F0_22C0_FFEE
        guard let text = value("AGENTD_FUZZ_SEED") else { return fallback }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt64(text.dropFirst(2), radix: 16) ?? fallback }
        return UInt64(text) ?? fallback
    }

    static var onlyCase: Int? { value("AGENTD_FUZZ_CASE").flatMap { Int($0) } }
}

private let newline = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")

private func isBlankByte(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == carriageReturn
}

/// The documented frames of `stream`; `atEOF`: the input ends there.
private func modelFrames(_ stream: ArraySlice<UInt8>, maxFrameBytes: Int, atEOF: Bool) -> [InboundFrame] {
    var frames: [InboundFrame] = []
    var start = stream.startIndex
    for index in stream.indices where stream[index] == newline {
        var line = stream[start..<index]
        start = index + 1
        if line.last == carriageReturn { line = line.dropLast() }
        if line.count > maxFrameBytes { return frames + [.tooLarge] }
        if !line.allSatisfy(isBlankByte) { frames.append(.line(Array(line))) }
    }
    var tail = stream[start...]
    guard atEOF else {
        // Without a newline yet, max + 1 bytes could still be max plus the `\r` of a `\r\n`.
        return tail.count > maxFrameBytes + 1 ? frames + [.tooLarge] : frames
    }
    if tail.last == carriageReturn { tail = tail.dropLast() }
    if tail.count > maxFrameBytes { return frames + [.tooLarge] }
    if !tail.allSatisfy(isBlankByte) { frames.append(.line(Array(tail))) }
    return frames
}


private enum StreamEnd: CaseIterable { case open, inputClosed, close }

/// One random stream: lines of every kind around the size limit, cut into chunks.
private struct StreamCase {
    var maxFrameBytes: Int
    var stream: [UInt8] = []
    var chunkEnds: [Int] = []
    var end: StreamEnd

    init(_ rng: inout StreamRNG) {
        maxFrameBytes = rng.chance(1, in: 16) ? rng.int(100...2_000) : rng.int(1...40)
        end = rng.pick(StreamEnd.allCases)
        let lineCount = rng.int(0...12)
        for index in 0..<lineCount {
            stream += Self.line(maxFrameBytes, &rng)
            let isLast = index == lineCount - 1
            switch rng.below(10) {
            case 0 where isLast: break
            case 0...4: stream.append(newline)
            default: stream += [carriageReturn, newline]
            }
        }
        // The model is re-run on every prefix, so byte-by-byte feeding is kept to short streams.
        switch rng.below(4) {
        case 0: chunkEnds = [stream.count]
        case 1 where stream.count <= 200: chunkEnds = Array(stream.indices.map { $0 + 1 })
        default:
            var cuts = Set((0..<rng.int(0...12)).map { _ in rng.int(0...stream.count) })
            cuts.insert(stream.count)
            chunkEnds = cuts.sorted()
        }
    }

    /// Content without its terminator: ordinary, blank, or of a length at the limit's edge.
    static func line(_ max: Int, _ rng: inout StreamRNG) -> [UInt8] {
        let length = rng.pick([0, 1, max - 1, max, max + 1, max + 2, rng.int(0...max), rng.int(0...3 * max)])
        if rng.chance(1, in: 5) {
            return (0..<Swift.max(0, length)).map { _ in rng.pick(Array(" \t\r".utf8)) }
        }
        return (0..<Swift.max(0, length)).map { _ in rng.pick(contentBytes) }
    }
}

/// What lines are made of: JSON-ish text, white space, a lone `\r`, NUL, invalid UTF-8.
private let contentBytes: [UInt8] =
    Array("{\"op\":\"ping\",\"id\":1} \t".utf8) + [carriageReturn, 0x00, 0xFF, 0xC3, 0x80, 0xED, 0x7F]

/// Everything the channel has decoded so far.
private func readAll(_ channel: EmbeddedChannel) throws -> [InboundFrame] {
    var frames: [InboundFrame] = []
    while let frame = try channel.readInbound(as: InboundFrame.self) { frames.append(frame) }
    return frames
}

/// Nil when the decoder's frames for `streamCase` match the model, else what differs.
private func check(_ streamCase: StreamCase) throws -> String? {
    let limit = streamCase.maxFrameBytes
    let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: limit)))
    var frames: [InboundFrame] = []
    var fed = 0
    for end in streamCase.chunkEnds where end > fed {
        try channel.writeInbound(ByteBuffer(bytes: streamCase.stream[fed..<end]))
        fed = end
        frames += try readAll(channel)
        let expected = modelFrames(streamCase.stream[..<fed], maxFrameBytes: limit, atEOF: false)
        guard frames == expected else {
            return "after \(fed) of \(describe(streamCase)): got \(frames), expected \(expected)"
        }
    }
    switch streamCase.end {
    case .open:
        _ = try channel.finish(acceptAlreadyClosed: false)
        return nil
    case .inputClosed:
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    case .close:
        try channel.close().wait()
    }
    frames += try readAll(channel)
    let expected = modelFrames(streamCase.stream[...], maxFrameBytes: limit, atEOF: true)
    guard frames == expected else {
        return "at \(streamCase.end) of \(describe(streamCase)): got \(frames), expected \(expected)"
    }
    guard case .clean = try channel.finish(acceptAlreadyClosed: true) else { return "left-overs at finish" }
    return nil
}

private func describe(_ streamCase: StreamCase) -> String {
    let shown = streamCase.stream.prefix(400).map { byte -> String in
        switch byte {
        case newline: "\\n"
        case carriageReturn: "\\r"
        case 0x20..<0x7F: String(UnicodeScalar(byte))
        default: "\\x" + String(byte, radix: 16)
        }
    }.joined()
    let chunks = streamCase.chunkEnds.prefix(20)
    return "stream \"\(shown)\" (\(streamCase.stream.count) bytes, max \(streamCase.maxFrameBytes), chunks ending at \(chunks))"
}

/// Runs `property` on `scale × iterations` seeded cases; records the first failures with their seed.
private func forAllStreams(
    _ name: String,
    scale: Double = 1,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ property: (inout StreamRNG) throws -> String?
) throws {
    let seed = FuzzEnvironment.seed
    let count = max(1, Int(Double(FuzzEnvironment.iterations) * scale))
    var failures = 0
    let clock = ContinuousClock()
    let start = clock.now
    let cases = FuzzEnvironment.onlyCase.map { $0..<($0 + 1) } ?? 0..<count
    for iteration in cases {
        var rng = StreamRNG(state: seed ^ (UInt64(iteration) &* 0xD6E8_FEB8_6659_FD93) ^ UInt64(name.utf8.count))
        guard let failure = try property(&rng) else { continue }
        failures += 1
        if failures <= 3 {
            Issue.record(
                """
                \(name) failed at case \(iteration): \(failure)
                reproduce: AGENTD_FUZZ_SEED=0x\(String(seed, radix: 16)) AGENTD_FUZZ_CASE=\(iteration) \
                swift test --skip-build --scratch-path .build-fuzz --filter '\(name)'
                """,
                sourceLocation: sourceLocation
            )
        }
    }
    if failures > 3 { Issue.record("\(name): \(failures) of \(count) cases failed", sourceLocation: sourceLocation) }
    if getenv("AGENTD_FUZZ_REPORT") != nil {
        let seedText = "0x" + String(seed, radix: 16)
        print("fuzz-report property=\(name) seed=\(seedText) cases=\(cases.count) failures=\(failures) time=\(clock.now - start)")
    }
}

@Suite struct FrameDecoderFuzzTests {
    @Test func randomStreamsCutAnywhereMatchTheModel() throws {
        try forAllStreams("FrameDecoderFuzzTests/randomStreamsCutAnywhereMatchTheModel") { rng in
            try check(StreamCase(&rng))
        }
    }

    @Test func verifierAgreesOnRandomValidLines() throws {
        try forAllStreams("FrameDecoderFuzzTests/verifierAgreesOnRandomValidLines", scale: 0.005) { rng in
            let limit = rng.int(1...64)
            var pairs: [(ByteBuffer, [InboundFrame])] = []
            for _ in 0..<rng.int(1...6) {
                var content = StreamCase.line(limit, &rng).filter { $0 != carriageReturn }
                content = Array(content.prefix(limit))
                let terminator: [UInt8] = rng.chance(1, in: 2) ? [newline] : [carriageReturn, newline]
                let expected: [InboundFrame] = content.allSatisfy(isBlankByte) ? [] : [.line(content)]
                pairs.append((ByteBuffer(bytes: content + terminator), expected))
            }
            do {
                try ByteToMessageDecoderVerifier.verifyDecoder(
                    inputOutputPairs: pairs,
                    decoderFactory: { FrameDecoder(maxFrameBytes: limit) }
                )
                return nil
            } catch {
                return "verifier: \(error)"
            }
        }
    }

    /// Found by the fuzzer: at EOF a last line of white space holding a `\\r` was sent on as
    /// a frame, while the same line ended by `\\n` was skipped as blank.
    @Test func whitespaceWithCarriageReturnAtEOFIsBlank() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: 64)))
        try channel.writeInbound(ByteBuffer(string: " \r \n \r "))
        #expect(try readAll(channel) == [])
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try readAll(channel) == [])
        #expect(try channel.finish().isClean)
    }
}
