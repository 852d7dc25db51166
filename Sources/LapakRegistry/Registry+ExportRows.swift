import Foundation
import GRDB
import LapakDatabase

/// The export's rows on SQLite (see `ExportStore`).
extension Registry.Session: ExportStore {
    /// Every business with its timestamps, in registry id order.
    public func allRecords() throws -> [BusinessRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM business ORDER BY registry_id")).map { row in
            // Columns 14 and 15 are created_at and updated_at (see `Registry.business(from:)` on positions).
            BusinessRecord(business: Registry.business(from: row), createdAt: Date(registrySeconds: row[14]),
                           updatedAt: Date(registrySeconds: row[15]))
        }
    }

    /// Every apprenticeship with both sides' names and what was reported, oldest first.
    public func apprenticeshipExportRows() throws -> [ApprenticeshipExportRow] {
        try Row.fetchAll(db, sql: """
            SELECT a.*, bb.registry_id AS b_id, bb.name AS b_name, bb.category AS b_category, mb.registry_id AS m_id, mb.name AS m_name,
                (SELECT count(*) FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'checkin' AND r.met = 1) AS meetings,
                (SELECT rating FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'rating' AND r.side = 'beginner') AS b_rating,
                (SELECT rating FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'rating' AND r.side = 'mentor') AS m_rating
            FROM apprenticeship a JOIN business bb ON bb.id = a.beginner_id JOIN business mb ON mb.id = a.mentor_id ORDER BY a.id
            """).map { row in
            ApprenticeshipExportRow(
                id: row["id"], status: row["status"], beginnerRegistryID: row["b_id"], beginnerName: row["b_name"],
                mentorRegistryID: row["m_id"], mentorName: row["m_name"], category: row["b_category"], weeks: row["weeks"],
                proposedAt: Date(registrySeconds: row["created_at"]), startsAt: Self.date(row["starts_at"]), endsAt: Self.date(row["ends_at"]),
                closedAt: Self.date(row["closed_at"]), beginnerAccepted: row["beginner_accepted"], mentorAccepted: row["mentor_accepted"],
                meetingsReported: row["meetings"], beginnerRating: row["b_rating"], mentorRating: row["m_rating"])
        }
    }

    /// Every overflow order with its sender, taker and number of offers, oldest first.
    public func overflowOrderExportRows() throws -> [OverflowOrderExportRow] {
        try Row.fetchAll(db, sql: """
            SELECT o.*, f.registry_id AS f_id, f.name AS f_name, t.registry_id AS t_id, t.name AS t_name,
                (SELECT count(*) FROM overflow_offer x WHERE x.order_id = o.id) AS offers,
                (SELECT via_apprenticeship FROM overflow_offer x WHERE x.order_id = o.id AND x.business_id = o.taken_by_business_id) AS via
            FROM overflow_order o JOIN business f ON f.id = o.from_business_id LEFT JOIN business t ON t.id = o.taken_by_business_id
            ORDER BY o.id
            """).map { row in
            OverflowOrderExportRow(
                id: row["id"], status: row["status"], fromRegistryID: row["f_id"], fromName: row["f_name"], what: row["what"],
                quantity: row["quantity"], neededAt: Date(registrySeconds: row["needed_at"]), kelurahan: row["kelurahan"],
                createdAt: Date(registrySeconds: row["created_at"]), waves: row["wave"], offers: row["offers"], toRegistryID: row["t_id"],
                toName: row["t_name"], viaApprenticeship: row["via"] ?? false, closedAt: Self.date(row["closed_at"]))
        }
    }

    /// Every halal certificate application with its business, in order of arrival.
    public func halalExportRows() throws -> [HalalExportRow] {
        try Row.fetchAll(db, sql: """
            SELECT a.id, b.registry_id, b.name, b.category, b.kelurahan, a.status, a.submitted_at, a.updated_at, a.quota_year,
                   a.certificate_number, a.expires_on, a.reminded_at
            FROM halal_application a JOIN business b ON b.id = a.business_id ORDER BY a.submitted_at, a.id
            """).map { row in
            HalalExportRow(id: row[0], businessRegistryID: row[1], businessName: row[2], category: row[3], kelurahan: row[4], status: row[5],
                           submittedAt: Date(registrySeconds: row[6]), updatedAt: Date(registrySeconds: row[7]), quotaYear: row[8],
                           certificateNumber: row[9], expiresOn: row[10], remindedAt: Self.date(row[11]))
        }
    }

    private static func date(_ seconds: Int64?) -> Date? { seconds.map(Date.init(registrySeconds:)) }
}
