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
