import Foundation
import GRDB
import LapakDatabase

/// A CSV row the importer refused, with where and why.
public struct RejectedRow: Sendable, Hashable, CustomStringConvertible {
    /// The physical line the row starts on.
    public var line: Int
    /// Why it was refused, for a person.
    public var reason: String
    /// `line N: reason`.
    public var description: String { "line \(line): \(reason)" }

    /// A refused row at `line`.
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
}

/// What an import did.
public struct ImportSummary: Sendable, Hashable, CustomStringConvertible {
    /// Rows stored that were not in the registry.
    public var inserted = 0
    /// Rows that changed a stored business.
    public var updated = 0
    /// Rows equal to the stored business.
    public var unchanged = 0
    /// Rows refused, in line order.
    public var rejected: [RejectedRow] = []
    /// Things about the whole file worth knowing that did not stop it (an ignored column, the encoding).
    public var warnings: [String] = []

    /// A summary with these counts.
    public init(inserted: Int = 0, updated: Int = 0, unchanged: Int = 0, rejected: [RejectedRow] = [], warnings: [String] = []) {
        self.inserted = inserted
        self.updated = updated
        self.unchanged = unchanged
        self.rejected = rejected
        self.warnings = warnings
    }

    /// `N inserted, N updated, N unchanged, N rejected`.
    public var description: String {
        "\(inserted) inserted, \(updated) updated, \(unchanged) unchanged, \(rejected.count) rejected"
    }
}

/// A file that cannot be imported at all (missing, no header, wrong columns).
public struct ImportError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, for a person.
    public var message: String
    /// The message.
    public var description: String { message }
}

/// Imports the agency's CSV: validates every row, upserts the good ones by registry id in one transaction.
public struct RegistryImporter: Sendable {
    /// The agency's eleven columns, in this order: every file starts with them.
    public static let columns = ["id", "name", "category", "mode", "latitude", "longitude", "kelurahan", "address", "phone",
                                 "telegram_id", "halal"]
    /// The columns the export adds after the agency's, so that an export imports back without loss; optional.
    public static let extraColumns = ["status", "verified", "source", "created_at", "updated_at"]

    /// The kinds a row's category must name (slug, display name or synonym).
    let taxonomy: CategoryTaxonomy
    /// Points outside this box are refused (a swapped latitude and longitude lands far away).
    let region: GeoBox
    /// Stores the good rows in one transaction of the target store.
    let store: Store

    /// Stores the validated rows (each with the columns its sheet had) at `now`, reporting progress; one transaction.
    public typealias Store = @Sendable (_ rows: [(Business, SheetFields)], _ now: Date, _ progress: @escaping @Sendable (Int, Int) -> Void) async throws -> ImportSummary

    /// An importer into `registry` (SQLite), refusing points outside `region`.
    public init(registry: Registry, region: GeoBox = .bontang) {
        self.init(taxonomy: registry.taxonomy, region: region) { rows, now, progress in
            try await registry.database.writer.write { db in try registry.session(db).upsertAll(rows, now: now, progress: progress) }
        }
    }

    /// An importer whose rows are stored by `store` (another store than SQLite), refusing points outside `region`.
    public init(taxonomy: CategoryTaxonomy, region: GeoBox = .bontang, store: @escaping Store) {
        self.taxonomy = taxonomy
        self.region = region
        self.store = store
    }

    /// Reads and imports the file at `path` (see `readFile` and `importCSV`).
    public func importFile(atPath path: String, now: Date = Date(),
                           progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> ImportSummary {
        let (text, warnings) = try Self.readFile(atPath: path)
        var summary = try await importCSV(text, now: now, progress: progress)
        summary.warnings.insert(contentsOf: warnings, at: 0)
        return summary
    }

    /// The text of the file at `path`: UTF-8, or else read as Windows-1252 with one warning.
    public static func readFile(atPath path: String) throws -> (text: String, warnings: [String]) {
        guard FileManager.default.fileExists(atPath: path) else { throw ImportError(message: "no such file: \(path)") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ImportError(message: "cannot read \(path): \(error.localizedDescription)")
        }
        // Excel's "Unicode text" is UTF-16: read as Windows-1252 it would only give a baffling header error.
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            throw ImportError(message: "\(path) is UTF-16 (Excel's \"Unicode text\"); save it as \"CSV UTF-8\"")
        }
        let (text, wasWindows1252) = CSV.decode(data)
        guard wasWindows1252 else { return (text, []) }
        return (text, ["the file is not UTF-8: read as Windows-1252 (older Excel); check accented letters, or save it as \"CSV UTF-8\""])
    }

    /// Imports `text`; `progress(done, total)` is called as rows are stored (for a progress bar).
    ///
    /// The separator is `,` or, when the header has more semicolons, `;`. All good rows commit together
    /// or not at all: an interrupted import leaves the registry as it was.
    public func importCSV(_ text: String, now: Date = Date(), progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> ImportSummary {
        var records = CSV.records(in: text, separator: CSV.separator(ofHeaderIn: text))
        guard let header = records.first?.fields else {
            throw ImportError(message: records.isEmpty ? "the file is empty" : "the header row is malformed: \(records[0].fault ?? "")")
        }
        var summary = ImportSummary()
        let layout = try Layout(header: header, warnings: &summary.warnings)
        records.removeFirst()

        var rows: [(Business, SheetFields)] = []
        var firstLine: [String: Int] = [:]
        for record in records {
            guard let fields = record.fields else {
                summary.rejected.append(RejectedRow(line: record.line, reason: record.fault ?? "malformed row"))
                continue
            }
            // A spreadsheet saves rows it once touched as a line of separators: nothing to import, nothing wrong.
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) { continue }
            switch validate(fields, layout: layout) {
            case .failure(let fault):
                summary.rejected.append(RejectedRow(line: record.line, reason: fault.reason))
            case .success(let row):
                if let first = firstLine[row.0.registryID] {
                    summary.rejected.append(RejectedRow(line: record.line, reason: "duplicate id \(row.0.registryID) (first on line \(first))"))
                    continue
                }
                firstLine[row.0.registryID] = record.line
                rows.append(row)
            }
        }

        let stored = try await store(rows, now, progress)
        (summary.inserted, summary.updated, summary.unchanged) = (stored.inserted, stored.updated, stored.unchanged)
        summary.rejected.sort { $0.line < $1.line }
        return summary
    }

    /// Where each column is in a file: the agency's eleven first, then the known extras wherever they are.
    struct Layout {
        /// How many fields every row has.
        var width: Int
        /// The index of each extra column present, by name.
        var extras: [String: Int] = [:]

        init(header: [String], warnings: inout [String]) throws {
            let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard names.count >= RegistryImporter.columns.count, Array(names.prefix(RegistryImporter.columns.count)) == RegistryImporter.columns else {
                throw ImportError(message: "the header must start with: \(RegistryImporter.columns.joined(separator: ",")) (found: \(header.joined(separator: ",")))")
            }
            width = names.count
            // A column without a name is one a spreadsheet added after the last filled cell: nothing to say about it.
            for (index, name) in names.enumerated().dropFirst(RegistryImporter.columns.count) {
                if RegistryImporter.extraColumns.contains(name), extras[name] == nil {
                    extras[name] = index
                } else if !name.isEmpty {
                    // A column the agency added for its own notes must not cost it the whole import.
                    warnings.append("column \(index + 1) '\(header[index])' is not one of lapak's columns and is ignored")
                }
            }
        }
    }
}

/// Why one row was refused.
public struct RowFault: Error, Sendable, Hashable {
    /// What is wrong with the row, for a person.
    public var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// What an imported row says beyond the agency's eleven columns (see `RegistryImporter.extraColumns`).
public struct SheetFields: Sendable, Hashable {
    /// The row gives the status: it replaces the stored one (otherwise the stored one stays).
    public var setsStatus = false
    /// The row gives the source: it replaces the stored one.
    public var setsSource = false
    /// The row's `created_at`, used when the row is inserted.
    public var createdAt: Date?
    /// The row's `updated_at`, used when the row is inserted.
    public var updatedAt: Date?
}

extension Registry.Session {
    /// Upserts imported rows, each with what its sheet said beyond the agency's columns.
    func upsertAll(_ rows: [(Business, SheetFields)], now: Date, progress: (Int, Int) -> Void) throws -> ImportSummary {
        var existing: [String: Business] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM business")) {
            let business = Registry.business(from: row)
            existing[business.registryID] = business
        }
        var codes = CategoryCodes()
        var summary = ImportSummary()
        for (index, (business, sheet)) in rows.enumerated() {
            try Task.checkCancellation()
            switch try Registry.upsert(business, existing: existing[business.registryID], now: now, codes: &codes, in: db, sheet: sheet).1 {
            case .inserted: summary.inserted += 1
            case .updated: summary.updated += 1
            case .unchanged: summary.unchanged += 1
            }
            if index % 200 == 0 || index == rows.count - 1 { progress(index + 1, rows.count) }
        }
        return summary
    }
}
