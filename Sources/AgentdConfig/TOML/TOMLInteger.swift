/// Decimal integers as TOML writes them: an optional sign, digits, `_` allowed only between
/// digits, no leading zeros. Shared by the file parser and the environment layer, so `1_000`
/// means the same in both places.
enum TOMLInteger {
    /// Parses `token` or explains why it is not an integer.
    static func parse(_ token: String) throws(TOMLSyntaxError) -> Int {
        var scalars = Array(token.unicodeScalars)
        var negative = false
        if let first = scalars.first, first == "+" || first == "-" {
            negative = first == "-"
            scalars.removeFirst()
        }
        guard let firstDigit = scalars.first, isDigit(firstDigit) else {
            throw TOMLSyntaxError("expected an integer", detail: quoted(token))
        }
        if firstDigit == "0" && scalars.count > 1 {
            if let second = scalars.dropFirst().first, "xob".unicodeScalars.contains(second) {
                throw TOMLSyntaxError("only decimal integers are supported", detail: quoted(token))
            }
            throw TOMLSyntaxError("leading zeros are not allowed in integers", detail: quoted(token))
        }
        var magnitude = 0
        var previousWasDigit = false
        for scalar in scalars {
            if scalar == "_" {
                // TOML: an underscore must sit between two digits.
                guard previousWasDigit else {
                    throw TOMLSyntaxError("misplaced '_' in integer", detail: quoted(token))
                }
                previousWasDigit = false
                continue
            }
            guard isDigit(scalar) else {
                throw TOMLSyntaxError("expected an integer", detail: quoted(token))
            }
            let digit = Int(scalar.value - ("0" as Unicode.Scalar).value)
            let (shifted, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (added, overflowB) = shifted.addingReportingOverflow(digit)
            guard !overflowA && !overflowB else {
                throw TOMLSyntaxError("integer out of range", detail: quoted(token))
            }
            magnitude = added
            previousWasDigit = true
        }
        guard previousWasDigit else {
            throw TOMLSyntaxError("misplaced '_' in integer", detail: quoted(token))
        }
        return negative ? -magnitude : magnitude
    }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        scalar >= "0" && scalar <= "9"
    }

    private static func quoted(_ token: String) -> String {
        "\"\(token)\""
    }
}
