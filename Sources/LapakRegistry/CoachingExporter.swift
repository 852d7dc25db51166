import Foundation
import GRDB
import LapakDatabase

/// The coaching programme's records as CSV for the agency's spreadsheets (`lapak export --table
/// apprenticeships|orders`), with the registry export's rules: RFC 4180 quoting with CRLF, free text guarded
/// against spreadsheet formulas, times as ISO 8601 with the registry's UTC offset, ya/tidak for yes/no.
public struct CoachingExporter: Sendable {
    let registry: Registry

    /// An exporter of `registry`'s database.
    public init(registry: Registry) { self.registry = registry }

    /// The columns of `apprenticeships`.
    public static let apprenticeshipColumns = [
        "id", "status", "beginner_id", "beginner_name", "mentor_id", "mentor_name", "category", "weeks", "proposed_at", "starts_at", "ends_at",
        "closed_at", "beginner_accepted", "mentor_accepted", "meetings_reported", "beginner_rating", "mentor_rating",
    ]

    /// The columns of `orders`: every handover, from whom to whom, when, and its final status.
    public static let orderColumns = [
        "id", "status", "from_id", "from_name", "what", "quantity", "needed_at", "kelurahan", "created_at", "waves", "offers",
        "to_id", "to_name", "to_apprentice", "closed_at",
    ]

    /// One row per apprenticeship, oldest first.
    public func apprenticeshipsCSV() async throws -> String {
        try await registry.database.writer.read { [registry] db in
            try Self.apprenticeshipsCSV(from: registry.session(db), timeZone: registry.timeZone)
        }
    }

    /// One row per overflow order, oldest first.
    public func ordersCSV() async throws -> String {
        try await registry.database.writer.read { [registry] db in
            try Self.ordersCSV(from: registry.session(db), timeZone: registry.timeZone)
        }
    }

    /// The apprenticeships CSV of `store`, times in `timeZone`.
    public static func apprenticeshipsCSV(from store: some ExportStore, timeZone: TimeZone) throws -> String {
        let time = CSV.timeFormatter(timeZone)
        var text = CSV.line(apprenticeshipColumns)
        for row in try store.apprenticeshipExportRows() {
            text += CSV.line([
                String(row.id), row.status, CSV.guardFormula(row.beginnerRegistryID), CSV.guardFormula(row.beginnerName),
                CSV.guardFormula(row.mentorRegistryID), CSV.guardFormula(row.mentorName), row.category, String(row.weeks),
                time(row.proposedAt), time(row.startsAt), time(row.endsAt), time(row.closedAt),
                CSV.yesNo(row.beginnerAccepted), CSV.yesNo(row.mentorAccepted), String(row.meetingsReported),
                row.beginnerRating.map(String.init) ?? "", row.mentorRating.map(String.init) ?? "",
            ])
        }
        return text
    }

    /// The orders CSV of `store`, times in `timeZone`.
    public static func ordersCSV(from store: some ExportStore, timeZone: TimeZone) throws -> String {
        let time = CSV.timeFormatter(timeZone)
        var text = CSV.line(orderColumns)
        for row in try store.overflowOrderExportRows() {
            text += CSV.line([
                String(row.id), row.status, CSV.guardFormula(row.fromRegistryID), CSV.guardFormula(row.fromName),
                CSV.guardFormula(row.what), String(row.quantity), time(row.neededAt), row.kelurahan,
                time(row.createdAt), String(row.waves), String(row.offers),
                row.toRegistryID.map(CSV.guardFormula) ?? "", row.toName.map(CSV.guardFormula) ?? "",
                row.toRegistryID == nil ? "" : CSV.yesNo(row.viaApprenticeship), time(row.closedAt),
            ])
        }
        return text
    }
}
