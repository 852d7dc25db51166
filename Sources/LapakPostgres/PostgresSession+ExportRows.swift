import Foundation
import LapakRegistry
import PostgresNIO

/// The export's rows on PostgreSQL (see `ExportStore`), in the same order and with the same values as
/// SQLite's (Registry+ExportRows.swift), so `lapak export` writes the same files from either store.
extension PostgresSession: ExportStore {
    /// Every business with its timestamps, in registry id order.
    public func allRecords() throws -> [BusinessRecord] {
        // COLLATE "C": SQLite orders TEXT byte by byte; the database's default collation may not.
        try rows("""
            SELECT \(unescaped: PostgresBusinessRow.columns), b.created_at, b.updated_at FROM business b ORDER BY b.registry_id COLLATE "C"
            """).map { row in
            let columns = row.makeRandomAccess()
            return BusinessRecord(business: try PostgresBusinessRow.decode(row), createdAt: Self.date(try columns[15].decode(Int64.self)),
                                  updatedAt: Self.date(try columns[16].decode(Int64.self)))
        }
    }

    /// Every apprenticeship with both sides' names and what was reported, oldest first.
    public func apprenticeshipExportRows() throws -> [ApprenticeshipExportRow] {
        try all("""
            SELECT a.id, a.status, bb.registry_id, bb.name, mb.registry_id, mb.name, bb.category, a.weeks, a.created_at, a.starts_at, a.ends_at,
                a.closed_at, a.beginner_accepted, a.mentor_accepted,
                (SELECT count(*) FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'checkin' AND r.met),
                (SELECT rating FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'rating' AND r.side = 'beginner'),
                (SELECT rating FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'rating' AND r.side = 'mentor')
            FROM apprenticeship a JOIN business bb ON bb.id = a.beginner_id JOIN business mb ON mb.id = a.mentor_id ORDER BY a.id
            """, as: (Int64, String, String, String, String, String, String, Int, Int64, Int64?, Int64?, Int64?, Bool, Bool, Int64, Int?, Int?).self)
        .map { id, status, beginnerID, beginnerName, mentorID, mentorName, category, weeks, created, starts, ends, closed, beginnerAccepted,
               mentorAccepted, meetings, beginnerRating, mentorRating in
            ApprenticeshipExportRow(
                id: id, status: status, beginnerRegistryID: beginnerID, beginnerName: beginnerName, mentorRegistryID: mentorID,
                mentorName: mentorName, category: category, weeks: weeks, proposedAt: Self.date(created), startsAt: starts.map(Self.date),
                endsAt: ends.map(Self.date), closedAt: closed.map(Self.date), beginnerAccepted: beginnerAccepted, mentorAccepted: mentorAccepted,
                meetingsReported: Int(meetings), beginnerRating: beginnerRating, mentorRating: mentorRating)
        }
    }

    /// Every overflow order with its sender, taker and number of offers, oldest first.
    public func overflowOrderExportRows() throws -> [OverflowOrderExportRow] {
        try all("""
            SELECT o.id, o.status, f.registry_id, f.name, o.what, o.quantity, o.needed_at, o.kelurahan, o.created_at, o.wave,
                (SELECT count(*) FROM overflow_offer x WHERE x.order_id = o.id), t.registry_id, t.name,
                (SELECT via_apprenticeship FROM overflow_offer x WHERE x.order_id = o.id AND x.business_id = o.taken_by_business_id),
                o.closed_at
            FROM overflow_order o JOIN business f ON f.id = o.from_business_id LEFT JOIN business t ON t.id = o.taken_by_business_id
            ORDER BY o.id
            """, as: (Int64, String, String, String, String, Int, Int64, String, Int64, Int, Int64, String?, String?, Bool?, Int64?).self)
        .map { id, status, fromID, fromName, what, quantity, needed, kelurahan, created, wave, offers, toID, toName, via, closed in
            OverflowOrderExportRow(
                id: id, status: status, fromRegistryID: fromID, fromName: fromName, what: what, quantity: quantity, neededAt: Self.date(needed),
                kelurahan: kelurahan, createdAt: Self.date(created), waves: wave, offers: Int(offers), toRegistryID: toID, toName: toName,
                viaApprenticeship: via ?? false, closedAt: closed.map(Self.date))
        }
    }

    /// Every halal certificate application with its business, in order of arrival.
    public func halalExportRows() throws -> [HalalExportRow] {
        try all("""
            SELECT a.id, b.registry_id, b.name, b.category, b.kelurahan, a.status, a.submitted_at, a.updated_at, a.quota_year,
                   a.certificate_number, a.expires_on, a.reminded_at
            FROM halal_application a JOIN business b ON b.id = a.business_id ORDER BY a.submitted_at, a.id
            """, as: (Int64, String, String, String, String, String, Int64, Int64, Int?, String?, String?, Int64?).self)
        .map { id, registryID, name, category, kelurahan, status, submitted, updated, quotaYear, number, expiresOn, reminded in
            HalalExportRow(id: id, businessRegistryID: registryID, businessName: name, category: category, kelurahan: kelurahan, status: status,
                           submittedAt: Self.date(submitted), updatedAt: Self.date(updated), quotaYear: quotaYear, certificateNumber: number,
                           expiresOn: expiresOn, remindedAt: reminded.map(Self.date))
        }
    }

    /// The date of a timestamp column (seconds since 1970).
    private static func date(_ seconds: Int64) -> Date { Date(timeIntervalSince1970: TimeInterval(seconds)) }
}
