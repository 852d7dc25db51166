import Foundation
import GRDB
import LapakDatabase

/// Writes the coaching programme's records as CSV for the agency's spreadsheets: business groups and
/// halal certificate applications (`lapak export --table groups|halal`).
///
/// The same rules as the registry export: RFC 4180 quoting (`CSV.line`), every free-text cell guarded
/// against spreadsheet formulas, times in ISO 8601 with the registry's UTC offset.
public struct ProgrammeExporter: Sendable {
    let registry: Registry

    /// An exporter of `registry`'s database.
    public init(registry: Registry) { self.registry = registry }

    /// The columns of `groupsCSV()`: one row per group member (a group without members has one row with empty member cells).
    public static let groupColumns = ["group_id", "group_name", "category", "kelurahan", "created_at", "member_id", "member_name",
                                      "support_entries", "support"]

    /// The columns of `halalCSV()`: one row per application.
    public static let halalColumns = ["application_id", "business_id", "business_name", "category", "kelurahan", "status", "submitted_at",
                                      "updated_at", "quota_year", "certificate_number", "expires_on", "reminded_at"]

    /// Business groups: one row per member, with the group's support entries (`2026-12-10 training: …`, joined by ` | `).
    public func groupsCSV() async throws -> String {
        try await registry.database.writer.read { [registry] db in
            try Self.groupsCSV(from: registry.session(db), timeZone: registry.timeZone)
        }
    }

    /// Halal certificate applications in order of arrival, with their status and certificate.
    public func halalCSV() async throws -> String {
        try await registry.database.writer.read { [registry] db in
            try Self.halalCSV(from: registry.session(db), timeZone: registry.timeZone)
        }
    }

    /// The groups CSV of `store`, times in `timeZone`.
    public static func groupsCSV(from store: some CoachingStore, timeZone: TimeZone) throws -> String {
        let time = CSV.timeFormatter(timeZone)
        var text = CSV.line(groupColumns)
        for group in try store.businessGroups(limit: Int.max).reversed() {
            let support = try store.support(ofGroup: group.id, limit: Int.max).reversed()
                .map { "\($0.givenOn) \($0.kind.rawValue): \($0.description)" }.joined(separator: " | ")
            let head = [String(group.id), CSV.guardFormula(group.name), group.category, group.kelurahan, time(group.createdAt)]
            let tail = [String(group.supportCount), CSV.guardFormula(support)]
            let members = try store.members(ofGroup: group.id)
            if members.isEmpty { text += CSV.line(head + ["", ""] + tail) }
            for member in members {
                text += CSV.line(head + [CSV.guardFormula(member.registryID), CSV.guardFormula(member.name)] + tail)
            }
        }
        return text
    }

    /// The halal applications CSV of `store`, times in `timeZone`.
    public static func halalCSV(from store: some ExportStore, timeZone: TimeZone) throws -> String {
        let time = CSV.timeFormatter(timeZone)
        var text = CSV.line(halalColumns)
        for row in try store.halalExportRows() {
            text += CSV.line([String(row.id), CSV.guardFormula(row.businessRegistryID), CSV.guardFormula(row.businessName), row.category,
                              row.kelurahan, row.status, time(row.submittedAt), time(row.updatedAt), row.quotaYear.map(String.init) ?? "",
                              CSV.guardFormula(row.certificateNumber ?? ""), row.expiresOn ?? "", time(row.remindedAt)])
        }
        return text
    }
}
