/// A syntax problem found on one line, before the parser adds the file name and line number.
///
/// `detail` is the part that quotes the input. It is kept apart so the parser can drop it
/// when the line holds a secret (the Redis password must never appear in a message).
struct TOMLSyntaxError: Error, Sendable, Equatable {
    var message: String
    var detail: String?

    init(_ message: String, detail: String? = nil) {
        self.message = message
        self.detail = detail
    }

    /// The message with or without the quoted input.
    func text(revealingInput: Bool) -> String {
        guard revealingInput, let detail = self.detail else { return self.message }
        return "\(self.message), got \(detail)"
    }
}
