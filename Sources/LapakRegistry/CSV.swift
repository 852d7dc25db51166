import Foundation

/// RFC 4180 CSV: records with their line numbers, and faults reported per record instead of aborting.
public enum CSV {
    /// One record as read, or why it could not be read.
    public struct Record: Sendable, Hashable {
        /// The physical line the record starts on (1-based).
        public var line: Int
        /// The fields, or nil when the record is malformed.
        public var fields: [String]?
        /// Why the record is malformed.
        public var fault: String?
    }

    /// Splits text into records: `separator` separated (`,`, or `;` as Excel writes with Indonesian settings),
    /// `"` quoted with `""` for a quote, CRLF, LF or CR line ends; a leading byte-order mark is skipped.
    ///
    /// A quote inside an unquoted field, text after a closing quote, or a quoted field that never closes
    /// makes that one record malformed. When such a record ran over a line break inside quotes, the
    /// quote was most likely a stray one that paired with a later row's: reading resumes on the line
    /// after the record's first line, so the good rows it swallowed are read after all.
    public static func records(in text: String, separator: Unicode.Scalar = ",") -> [Record] {
        let scalars = Array(text.unicodeScalars)
        var reader = Reader(scalars: scalars, separator: separator)
        if reader.index < scalars.endIndex && scalars[reader.index] == "\u{FEFF}" { reader.index += 1 }  // a byte-order mark from Excel
        var records: [Record] = []
        while reader.index < scalars.endIndex {
            let start = reader.index, startLine = reader.line
            let read = reader.readRecord()
            if read.record.fault != nil && read.brokeLineInQuotes {
                reader.index = endOfLine(in: scalars, from: start)
                reader.line = startLine + 1
            }
            if !read.isBlank { records.append(read.record) }
        }
        return records
    }

    /// The index just past the line break that ends the physical line containing `start`.
    private static func endOfLine(in scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index < scalars.endIndex, scalars[index] != "\n", scalars[index] != "\r" { index += 1 }
        guard index < scalars.endIndex else { return index }
        if scalars[index] == "\r", index + 1 < scalars.endIndex, scalars[index + 1] == "\n" { return index + 2 }
        return index + 1
    }

    /// Reads one record at a time; keeps the position and the physical line number between records.
    private struct Reader {
        let scalars: [Unicode.Scalar]
        let separator: Unicode.Scalar
        var index = 0
        var line = 1

        init(scalars: [Unicode.Scalar], separator: Unicode.Scalar) {
            self.scalars = scalars
            self.separator = separator
        }

        /// The record at `index`, moving past its line end.
        mutating func readRecord() -> (record: Record, isBlank: Bool, brokeLineInQuotes: Bool) {
            let recordLine = line
            var fields: [String] = []
            var field = ""
            var fault: String?
            var inQuotes = false, afterClosingQuote = false, fieldStarted = false, brokeLineInQuotes = false
            reading: while index < scalars.endIndex {
                let scalar = scalars[index]
                index += 1
                if inQuotes {
                    if scalar == "\"" {
                        if index < scalars.endIndex && scalars[index] == "\"" {
                            field.unicodeScalars.append("\"")
                            index += 1
                        } else {
                            inQuotes = false
                            afterClosingQuote = true
                        }
                    } else {
                        if scalar == "\n" {
                            line += 1
                            brokeLineInQuotes = true
                        }
                        field.unicodeScalars.append(scalar)
                    }
                    continue
                }
                switch scalar {
                case separator:
                    fields.append(field)
                    field = ""
                    afterClosingQuote = false
                    fieldStarted = true
                case "\r" where index < scalars.endIndex && scalars[index] == "\n":
                    continue
                case "\n", "\r":
                    line += 1
                    break reading
                case "\"":
                    if field.isEmpty && !afterClosingQuote {
                        inQuotes = true
                        fieldStarted = true
                    } else if fault == nil {
                        fault = "bad quoting in field \(fields.count + 1): a quote inside an unquoted field (write \"\" inside a quoted field)"
                    }
                default:
                    if afterClosingQuote && fault == nil {
                        fault = "bad quoting in field \(fields.count + 1): text after the closing quote"
                    }
                    field.unicodeScalars.append(scalar)
                    fieldStarted = true
                }
            }
            if inQuotes {
                fault = "bad quoting: a quoted field that starts on this line never closes"
            }
            fields.append(field)
            let isBlank = fields.count == 1 && fields[0].isEmpty && fault == nil && !fieldStarted
            return (Record(line: recordLine, fields: fault == nil ? fields : nil, fault: fault), isBlank, brokeLineInQuotes)
        }
    }

    /// One field, quoted when it holds a comma, quote, line break or leading/trailing space.
    public static func escape(_ field: String) -> String {
        let needsQuotes = field.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record as a CSV line with CRLF, as RFC 4180 asks.
    public static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",") + "\r\n"
    }
}

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

extension CSV {
    /// Writes the exports' times: ISO 8601 with the registry's UTC offset (`2026-11-29T12:00:00+08:00`), read as
    /// local time by a person and left alone by spreadsheets; an absent time is an empty cell.
    public struct TimeFormatter: Sendable {
        let style: Date.ISO8601FormatStyle

        /// The time of `date`.
        public func callAsFunction(_ date: Date) -> String { date.formatted(style) }
        /// The time of `date`, or an empty cell.
        public func callAsFunction(_ date: Date?) -> String { date.map { $0.formatted(style) } ?? "" }
    }

    /// The exports' time cells in `timeZone`.
    public static func timeFormatter(_ timeZone: TimeZone) -> TimeFormatter {
        TimeFormatter(style: Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: timeZone))
    }

    /// A yes/no cell as the agency's sheets write it.
    public static func yesNo(_ value: Bool) -> String { value ? "ya" : "tidak" }
}
