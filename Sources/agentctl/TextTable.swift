/// Aligned columns for people: a header row, then one row per record.
///
/// ```
/// AGENT     ROLE        STATUS
/// worker-1  worker      active
/// boss      supervisor  idle
/// ```
///
/// Columns are left-aligned and two spaces apart; the last column is not padded, so
/// lines carry no trailing spaces and long last cells (capabilities, content) stay whole.
struct TextTable {
    /// The column titles, printed upper case as given.
    let header: [String]
    /// The rows added so far; each as many cells as the header.
    private(set) var rows: [[String]] = []

    /// A table with these column titles.
    init(_ header: [String]) {
        self.header = header
    }

    /// Adds a row; missing cells are empty and extra ones are dropped.
    mutating func append(_ row: [String]) {
        var cells = Array(row.prefix(self.header.count))
        cells += Array(repeating: "", count: self.header.count - cells.count)
        self.rows.append(cells)
    }

    /// The table as lines joined by newlines (no trailing newline).
    func render() -> String {
        let all = [self.header] + self.rows
        var widths = Array(repeating: 0, count: self.header.count)
        for row in all {
            for (column, cell) in row.enumerated() {
                widths[column] = max(widths[column], cell.count)
            }
        }
        return all.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                if column == row.count - 1 {
                    line += cell
                } else {
                    line += cell + String(repeating: " ", count: widths[column] - cell.count + 2)
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
