import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import Broker

private func line(_ text: String) -> InboundFrame {
    .line(Array(text.utf8))
}

private func makeChannel(maxFrameBytes: Int = 64) -> EmbeddedChannel {
    EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maxFrameBytes: maxFrameBytes)))
}

/// Every frame the channel has decoded so far.
private func readAll(_ channel: EmbeddedChannel) throws -> [InboundFrame] {
    var frames: [InboundFrame] = []
    while let frame = try channel.readInbound(as: InboundFrame.self) {
        frames.append(frame)
    }
    return frames
}

@Suite struct FrameDecoderTests {
    // MARK: Verifier: simple, drip-fed, split and batched input

    @Test func verifierWithLineEndings() throws {
        let pairs: [(String, [InboundFrame])] = [
            ("{\"op\":\"ping\"}\n", [line("{\"op\":\"ping\"}")]),
            ("{\"op\":\"ping\",\"id\":1}\r\n", [line("{\"op\":\"ping\",\"id\":1}")]),
            ("a\nb\r\nc\n", [line("a"), line("b"), line("c")]),
            ("\n", []),
            ("\r\n", []),
            (" \t \r\n", []),
            ("\n\n x \n\n", [line(" x ")]),
            ("a\rb\n", [line("a\rb")]),
            ("\r\r\n", []),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: pairs.map { (ByteBuffer(string: $0.0), $0.1) },
            decoderFactory: { FrameDecoder(maxFrameBytes: 64) }
        )
    }

    @Test func verifierAtTheSizeLimit() throws {
        // Exactly 16 bytes, with and without a `\r` that does not count.
        let sixteen = String(repeating: "x", count: 16)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (ByteBuffer(string: sixteen + "\n"), [line(sixteen)]),
                (ByteBuffer(string: sixteen + "\r\n"), [line(sixteen)]),
                (ByteBuffer(string: "short\n"), [line("short")]),
            ],
            decoderFactory: { FrameDecoder(maxFrameBytes: 16) }
        )
    }

    @Test func verifierWithBinaryBytes() throws {
        let bytes: [UInt8] = [0xFF, 0xFE, 0x00, 0xC3, 0x28]
        var buffer = ByteBuffer(bytes: bytes)
        buffer.writeString("\n")
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(buffer, [.line(bytes)])],
            decoderFactory: { FrameDecoder(maxFrameBytes: 64) }
        )
    }

    // MARK: EmbeddedChannel

    @Test func crlfIsStripped() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "{\"op\":\"ping\"}\r\n"))
        #expect(try channel.readInbound(as: InboundFrame.self) == line("{\"op\":\"ping\"}"))
        #expect(try channel.readInbound(as: InboundFrame.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test func onlyOneCarriageReturnIsStripped() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "x\r\r\n"))
        #expect(try readAll(channel) == [line("x\r")])
        #expect(try channel.finish().isClean)
    }

    @Test func blankAndWhitespaceOnlyLinesAreDropped() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "\n\r\n   \n\t\t\r\n \t \r\n"))
        #expect(try readAll(channel) == [])
        try channel.writeInbound(ByteBuffer(string: "  {}  \n"))
        #expect(try readAll(channel) == [line("  {}  ")])
        #expect(try channel.finish().isClean)
    }

    @Test func manyFramesInOneRead() throws {
        let channel = makeChannel()
        let frames = (0..<100).map { "{\"op\":\"ping\",\"id\":\($0)}" }
        try channel.writeInbound(ByteBuffer(string: frames.joined(separator: "\n") + "\n"))
        #expect(try readAll(channel) == frames.map(line))
        #expect(try channel.finish().isClean)
    }

    @Test func frameSplitAcrossReads() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "{\"op\":"))
        #expect(try readAll(channel) == [])
        try channel.writeInbound(ByteBuffer(string: "\"ping\"}\r"))
        #expect(try readAll(channel) == [])
        try channel.writeInbound(ByteBuffer(string: "\n{\"op\""))
        #expect(try readAll(channel) == [line("{\"op\":\"ping\"}")])
        try channel.writeInbound(ByteBuffer(string: ":\"bye\"}\n"))
        #expect(try readAll(channel) == [line("{\"op\":\"bye\"}")])
        #expect(try channel.finish().isClean)
    }

    @Test func lineOfExactlyMaxBytesIsAccepted() throws {
        let channel = makeChannel(maxFrameBytes: 8)
        try channel.writeInbound(ByteBuffer(string: "12345678\n"))
        try channel.writeInbound(ByteBuffer(string: "abcdefgh\r\n"))
        #expect(try readAll(channel) == [line("12345678"), line("abcdefgh")])
        #expect(try channel.finish().isClean)
    }

    @Test func maxBytesPlusCarriageReturnWaitsForTheNewline() throws {
        // Nine bytes buffered could still be eight plus `\r`: no verdict yet.
        let channel = makeChannel(maxFrameBytes: 8)
        try channel.writeInbound(ByteBuffer(string: "12345678\r"))
        #expect(try readAll(channel) == [])
        try channel.writeInbound(ByteBuffer(string: "\n"))
        #expect(try readAll(channel) == [line("12345678")])
        #expect(try channel.finish().isClean)
    }

    @Test func overLongLineWithNewlineIsTooLargeThenNothingMore() throws {
        let channel = makeChannel(maxFrameBytes: 8)
        try channel.writeInbound(ByteBuffer(string: "ok\n123456789\n{\"op\":\"ping\"}\n"))
        #expect(try readAll(channel) == [line("ok"), .tooLarge])
        try channel.writeInbound(ByteBuffer(string: "more\nand more\n"))
        #expect(try readAll(channel) == [])
        #expect(try channel.finish().isClean)
    }

    @Test func overLongLineIsDetectedBeforeItsNewline() throws {
        // A peer streaming an endless line must not make the server buffer it.
        let channel = makeChannel(maxFrameBytes: 8)
        try channel.writeInbound(ByteBuffer(string: "12345"))
        try channel.writeInbound(ByteBuffer(string: "6789"))
        #expect(try readAll(channel) == [])
        try channel.writeInbound(ByteBuffer(string: "0"))
        #expect(try readAll(channel) == [.tooLarge])
        try channel.writeInbound(ByteBuffer(string: String(repeating: "z", count: 1_000) + "\n"))
        #expect(try readAll(channel) == [])
        #expect(try channel.finish().isClean)
    }

    @Test func overLongLineDripFed() throws {
        let channel = makeChannel(maxFrameBytes: 4)
        var frames: [InboundFrame] = []
        for byte in Array("abcdefghij\n".utf8) {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
            frames += try readAll(channel)
        }
        #expect(frames == [.tooLarge])
        #expect(try channel.finish().isClean)
    }

    @Test func invalidUTF8PassesThroughAsBytes() throws {
        // The decoder does not judge content: the session answers bad_json.
        let channel = makeChannel()
        let bytes: [UInt8] = [0x7B, 0xFF, 0xC0, 0xAF, 0xED, 0xA0, 0x80, 0x7D]
        try channel.writeInbound(ByteBuffer(bytes: bytes + [0x0A]))
        #expect(try readAll(channel) == [.line(bytes)])
        #expect(try channel.finish().isClean)
    }

    @Test func finalLineWithoutNewlineAtEOF() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "first\n{\"op\":\"bye\"}"))
        #expect(try readAll(channel) == [line("first")])
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try readAll(channel) == [line("{\"op\":\"bye\"}")])
        #expect(try channel.finish().isClean)
    }

    @Test func finalLineAtEOFLosesItsCarriageReturn() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "last\r"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try readAll(channel) == [line("last")])
        #expect(try channel.finish().isClean)
    }

    @Test func blankFinalLineAtEOFIsDropped() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "x\n \t\r"))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try readAll(channel) == [line("x")])
        #expect(try channel.finish().isClean)
    }

    @Test func finalLineAtCloseIsDecodedToo() throws {
        let channel = makeChannel()
        try channel.writeInbound(ByteBuffer(string: "tail"))
        guard case .leftOvers(let inbound, let outbound, let pending) = try channel.finish() else {
            Issue.record("the final line was not decoded at close")
            return
        }
        #expect(inbound.count == 1)
        #expect(outbound.isEmpty && pending.isEmpty)
    }

    @Test func nothingAfterTooLargeEvenAtEOF() throws {
        let channel = makeChannel(maxFrameBytes: 4)
        try channel.writeInbound(ByteBuffer(string: "123456\nabc"))
        #expect(try readAll(channel) == [.tooLarge])
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        #expect(try readAll(channel) == [])
        #expect(try channel.finish().isClean)
    }

    @Test func overLongFinalLineAtEOFIsTooLarge() throws {
        // Five bytes with a limit of four, then EOF: no newline ever comes.
        let channel = makeChannel(maxFrameBytes: 4)
        try channel.writeInbound(ByteBuffer(string: "12345"))
        #expect(try readAll(channel) == [])
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        let frames = try readAll(channel)
        #expect(frames == [.tooLarge])
        #expect(try channel.finish().isClean)
    }
}
