import Foundation

/// What spreadsheets do to CSV files: formulas in cells, semicolons, legacy encodings.
extension CSV {
    /// The first characters that make Excel or LibreOffice read a cell as a formula (OWASP's CSV-injection list).
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// A free-text cell made safe to open in a spreadsheet: a leading apostrophe when it would start a formula.
    ///
    /// A value that already starts with apostrophes before such a character gets one more, so that
    /// `unguard` gives back exactly what was written.
    public static func guardFormula(_ field: String) -> String {
        needsGuard(field) ? "'" + field : field
    }

    /// The inverse of `guardFormula`: one leading apostrophe before a formula character is taken off.
    public static func unguardFormula(_ field: String) -> String {
        field.first == "'" && needsGuard(field) ? String(field.dropFirst()) : field
    }

    private static func needsGuard(_ field: String) -> Bool {
        guard let first = field.first(where: { $0 != "'" }) else { return false }
        // Swift joins "\r\n" into one Character; it starts a formula just as a lone "\r" does.
        return formulaStarts.contains(first) || first == "\r\n"
    }

    /// The separator of a file, judged by its header line: `;` when it has more semicolons than commas.
    ///
    /// Excel with Indonesian (and most European) regional settings saves "CSV" with semicolons, since
    /// the comma is their decimal separator. The header holds only column names, so counting is safe there.
    public static func separator(ofHeaderIn text: String) -> Unicode.Scalar {
        var semicolons = 0, commas = 0
        for scalar in text.unicodeScalars {
            if scalar == "\n" || scalar == "\r" { break }
            if scalar == ";" { semicolons += 1 } else if scalar == "," { commas += 1 }
        }
        return semicolons > commas ? ";" : ","
    }

    /// Text of a file: UTF-8, or else Windows-1252 (what older Excel writes as "CSV"), with `wasWindows1252` set.
    ///
    /// Why read rather than refuse: Windows-1252 is the ANSI code page of Indonesian Windows, every byte
    /// sequence decodes, and the agency's names are almost all ASCII; the caller warns once so that
    /// a wrong guess (another code page) is noticed.
    public static func decode(_ data: Data) -> (text: String, wasWindows1252: Bool) {
        if let text = String(validating: data, as: UTF8.self) { return (text, false) }
        var text = String.UnicodeScalarView()
        for byte in data {
            if (0x80...0x9F).contains(byte), let scalar = windows1252High[Int(byte - 0x80)] {
                text.append(scalar)
            } else {
                // 0x00-0x7F and 0xA0-0xFF are Latin-1; the five unassigned bytes pass through as C1 controls.
                text.append(Unicode.Scalar(byte))
            }
        }
        return (String(text), true)
    }

    /// Windows-1252's 0x80-0x9F (€, curly quotes, dashes…); nil where the code page assigns nothing.
    private static let windows1252High: [Unicode.Scalar?] = [
        "\u{20AC}", nil, "\u{201A}", "\u{0192}", "\u{201E}", "\u{2026}", "\u{2020}", "\u{2021}",
        "\u{02C6}", "\u{2030}", "\u{0160}", "\u{2039}", "\u{0152}", nil, "\u{017D}", nil,
        nil, "\u{2018}", "\u{2019}", "\u{201C}", "\u{201D}", "\u{2022}", "\u{2013}", "\u{2014}",
        "\u{02DC}", "\u{2122}", "\u{0161}", "\u{203A}", "\u{0153}", nil, "\u{017E}", "\u{0178}",
    ]
}
