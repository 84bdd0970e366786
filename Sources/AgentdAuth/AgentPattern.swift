/// An agent id, or an id pattern in which `*` stands for any run of characters (also none),
/// anywhere and any number of times: `worker-*`, `*-eu`, `team-*-bot`, `*`.
public struct AgentPattern: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written in the tokens file.
    public let text: String
    /// The literal pieces between the stars, so `worker-*-x` is `["worker-", "-x"]`.
    private let pieces: [[UInt8]]

    /// Reads `text`; a text without `*` matches exactly that agent id.
    public init(_ text: String) {
        self.text = text
        self.pieces = text.utf8.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: false).map(Array.init)
    }

    /// Whether the pattern holds no `*` (it names one agent).
    public var isExact: Bool { self.pieces.count == 1 }

    /// The pattern as written.
    public var description: String { self.text }

    /// Whether `agentID` matches.
    ///
    /// The first piece must start the id, the last must end it, and the ones between are
    /// found left to right, each at its first occurrence; taking the earliest occurrence never
    /// loses a match, so there is no backtracking and the cost is linear in the id's length
    /// times the pattern's (both bounded: ids are at most 128 bytes).
    public func matches(_ agentID: String) -> Bool {
        let id = Array(agentID.utf8)
        guard let first = self.pieces.first, let last = self.pieces.last else { return false }
        if self.isExact { return id == first }
        guard id.count >= first.count + last.count,
              id.starts(with: first),
              id[(id.count - last.count)...].elementsEqual(last) else { return false }
        var position = first.count
        let end = id.count - last.count
        for piece in self.pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let found = Self.firstIndex(of: piece, in: id, from: position, before: end) else { return false }
            position = found + piece.count
        }
        return true
    }

    private static func firstIndex(of piece: [UInt8], in id: [UInt8], from start: Int, before end: Int) -> Int? {
        var index = start
        while index + piece.count <= end {
            if id[index..<(index + piece.count)].elementsEqual(piece) { return index }
            index += 1
        }
        return nil
    }
}
