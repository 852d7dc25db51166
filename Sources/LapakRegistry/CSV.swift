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

    /// Splits UTF-8 text into records: `,` separated, `"` quoted with `""` for a quote, CRLF or LF line ends.
    ///
    /// A quote inside an unquoted field, text after a closing quote, or a quoted field that never closes
    /// makes that one record malformed; reading resumes at the next line.
    public static func records(in text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var line = 1
        var recordLine = 1
        var fault: String?
        var inQuotes = false
        var afterClosingQuote = false
        var fieldStarted = false
        let scalars = Array(text.unicodeScalars)
        var index = scalars.startIndex
        if index < scalars.endIndex && scalars[index] == "\u{FEFF}" { index += 1 }  // a byte-order mark from Excel

        func endRecord() {
            fields.append(field)
            let isBlank = fields.count == 1 && fields[0].isEmpty && fault == nil && !fieldStarted
            if !isBlank { records.append(Record(line: recordLine, fields: fault == nil ? fields : nil, fault: fault)) }
            fields = []
            field = ""
            fault = nil
            afterClosingQuote = false
            fieldStarted = false
        }

        while index < scalars.endIndex {
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
                    if scalar == "\n" { line += 1 }
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case ",":
                fields.append(field)
                field = ""
                afterClosingQuote = false
                fieldStarted = true
            case "\r" where index < scalars.endIndex && scalars[index] == "\n":
                continue
            case "\n", "\r":
                endRecord()
                line += 1
                recordLine = line
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
            fault = "bad quoting: a quoted field that starts here never closes"
        }
        if !field.isEmpty || !fields.isEmpty || fault != nil || fieldStarted { endRecord() }
        return records
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
