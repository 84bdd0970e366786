/// Damages valid JSON text the way hostile or broken peers do: bit flips, byte swaps,
/// truncation, deletions, duplicated or moved slices, and insertions of the byte sequences
/// a JSON parser is most likely to get wrong (invalid and overlong UTF-8, encoded and escaped
/// lone surrogates, NUL and other control characters, structural characters, stray escapes).
enum ByteMutator {
    /// Byte sequences worth inserting: each is invalid or borderline somewhere in JSON.
    static let hostileSequences: [[UInt8]] = [
        [0x00], [0x1F], [0x7F], [0x0B], [0x0C], [0x80], [0xBF], [0xC0], [0xC1], [0xF5], [0xFF], [0xFE],
        [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xE0, 0x9F, 0xBF], [0xF0, 0x80, 0x80, 0xAF],
        [0xF0, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBB, 0xBF], [0xE2, 0x80, 0xA8],
        Array(#"\ud800"#.utf8), Array(#"\uDC00"#.utf8), Array(#"\ud800\u0041"#.utf8), Array(#"\uD83D\uDE00"#.utf8),
        Array(#"\u0000"#.utf8), Array(#"\u00"#.utf8), Array(#"\uZZZZ"#.utf8), Array(#"\x"#.utf8), Array(#"\"#.utf8),
        Array(#"""#.utf8), Array("{".utf8), Array("}".utf8), Array("[".utf8), Array("]".utf8), Array(":".utf8),
        Array(",".utf8), Array("-".utf8), Array("1e".utf8), Array(".5".utf8), Array("01".utf8), Array("1e999999".utf8),
        Array("true".utf8), Array("nul".utf8), Array(" \t\r\n".utf8), Array("\u{A0}".utf8), Array(#"{"a":1,"a":2}"#.utf8),
        Array(String(repeating: "[", count: 70).utf8), Array(String(repeating: "9", count: 400).utf8),
    ]

    /// `bytes` with one to four random mutations applied.
    static func mutate(_ bytes: [UInt8], _ rng: inout FuzzRNG) -> [UInt8] {
        var result = bytes
        for _ in 0..<rng.int(1...4) {
            mutateOnce(&result, &rng)
        }
        return result
    }

    private static func mutateOnce(_ bytes: inout [UInt8], _ rng: inout FuzzRNG) {
        let position = rng.int(0...bytes.count)
        let hasByte = position < bytes.count
        switch rng.below(10) {
        case 0 where hasByte:
            bytes[position] ^= UInt8(1) << UInt8(rng.below(8))
        case 1 where hasByte:
            bytes[position] = rng.byte()
        case 2 where hasByte:
            bytes[position] = rng.pick(Array("{}[]:,\"\\ 0-.eEtfnu".utf8))
        case 3:
            bytes.removeSubrange(position..<bytes.count)
        case 4 where hasByte:
            bytes.removeSubrange(position..<min(bytes.count, position + 1 + rng.size(max: 8)))
        case 5:
            bytes.insert(contentsOf: (0..<1 + rng.size(max: 6)).map { _ in rng.byte() }, at: position)
        case 6 where hasByte:
            let end = min(bytes.count, position + 1 + rng.size(max: 16))
            let slice = Array(bytes[position..<end])
            bytes.insert(contentsOf: slice, at: rng.int(0...bytes.count))
        case 7 where bytes.count > 1:
            let other = rng.below(bytes.count)
            if hasByte { bytes.swapAt(position, other) }
        default:
            bytes.insert(contentsOf: rng.pick(hostileSequences), at: position)
        }
    }
}
