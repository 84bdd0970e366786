import Foundation

/// Lists given as `--capabilities a,b --capabilities c`: both forms, in order, blanks dropped.
enum CommaList {
    /// The items of every value, split at commas and trimmed.
    static func split(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
