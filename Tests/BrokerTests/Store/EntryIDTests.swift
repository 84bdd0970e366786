import Testing

@testable import Broker

/// Stream entry ids `ms-seq`: parsed in one pass, refused when malformed.
@Suite struct EntryIDTests {
    @Test(arguments: [
        ("1796679719741-0", EntryID(high: 1_796_679_719_741, low: 0)),
        ("0-1", EntryID(high: 0, low: 1)),
        ("18446744073709551615-18446744073709551615", EntryID(high: .max, low: .max)),
    ])
    func wellFormedIDsParse(text: String, id: EntryID) {
        #expect(EntryID(text) == id)
        #expect(EntryID(text)?.description == text)
    }

    @Test(arguments: ["", "-", "1-", "-1", "1", "1-2-3", "a-1", "1-b", " 1-2", "1-2 ", "+1-2", "18446744073709551616-0", "0-18446744073709551616"])
    func malformedIDsAreRefused(text: String) {
        #expect(EntryID(text) == nil)
    }

    @Test func orderIsNumeric() throws {
        let early = try #require(EntryID("9-10"))
        let late = try #require(EntryID("10-2"))
        #expect(early < late)
        #expect(try #require(EntryID("10-2")) < (try #require(EntryID("10-10"))))
    }
}
