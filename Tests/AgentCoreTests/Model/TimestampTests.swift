import Testing

@testable import AgentCore

@Suite struct TimestampTests {
    /// Instants and their only accepted wire form (checked against Python's `datetime`).
    static let known: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (1_709_210_096_789, "2024-02-29T12:34:56.789Z"),
        (1_795_602_660_123, "2026-11-25T10:31:00.123Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (-14_182_940_000, "1969-07-20T20:17:40.000Z"),
        (-2_208_988_799_999, "1900-01-01T00:00:00.001Z"),
    ]

    @Test(arguments: known)
    func rfc3339WithThreeFractionDigits(milliseconds: Int64, expected: String) {
        let time = Timestamp(millisecondsSinceEpoch: milliseconds)
        #expect(time.description == expected)
        #expect(time.rfc3339Bytes == Array(expected.utf8))
    }

    @Test func everyFormHasTheFixedShape() {
        // yyyy-mm-ddThh:mm:ss.fffZ: 24 bytes, digits everywhere but the separators.
        for (milliseconds, _) in Self.known {
            let bytes = Timestamp(millisecondsSinceEpoch: milliseconds).rfc3339Bytes
            #expect(bytes.count == 24)
            let separators: [Int: Character] = [4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: ".", 23: "Z"]
            for (index, byte) in bytes.enumerated() {
                if let separator = separators[index] {
                    #expect(Character(Unicode.Scalar(byte)) == separator)
                } else {
                    #expect(byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                }
            }
        }
    }

    @Test func orderAndArithmetic() {
        let a = Timestamp(millisecondsSinceEpoch: -5)
        let b = a.adding(milliseconds: 10)
        #expect(a < b)
        #expect(b.millisecondsSinceEpoch == 5)
        #expect(b.description == "1970-01-01T00:00:00.005Z")
    }
}
