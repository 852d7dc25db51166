import Foundation
import GRDB
import LapakDatabase

/// What an imported row says beyond the agency's eleven columns (see `RegistryImporter.extraColumns`).
struct SheetFields: Sendable, Hashable {
    /// The row gives the status: it replaces the stored one (otherwise the stored one stays).
    var setsStatus = false
    /// The row gives the source: it replaces the stored one.
    var setsSource = false
    /// The row's `created_at`, used when the row is inserted.
    var createdAt: Date?
    /// The row's `updated_at`, used when the row is inserted.
    var updatedAt: Date?
}

/// A business with the times the registry keeps for it: one row of the export.
public struct BusinessRecord: Sendable, Hashable {
    /// The business itself.
    public var business: Business
    /// When the registry first stored it.
    public var createdAt: Date
    /// When the registry last changed it.
    public var updatedAt: Date
}

extension Registry {
    /// Every business with its timestamps, in registry id order (the export).
    public func allRecords() async throws -> [BusinessRecord] {
        try await database.writer.read { try session($0).allRecords() }
    }
}

extension Registry.Session {
    /// `allRecords()` inside the caller's transaction.
    public func allRecords() throws -> [BusinessRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM business ORDER BY registry_id")).map { row in
            // Columns 14 and 15 are created_at and updated_at (see `Registry.business(from:)` on positions).
            let created: Int64 = row[14], updated: Int64 = row[15]
            return BusinessRecord(business: Registry.business(from: row), createdAt: Date(timeIntervalSince1970: TimeInterval(created)),
                                  updatedAt: Date(timeIntervalSince1970: TimeInterval(updated)))
        }
    }

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
