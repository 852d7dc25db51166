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
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: registry.timeZone)
        return try await registry.database.writer.read { db in
            let session = registry.session(db)
            var text = CSV.line(Self.groupColumns)
            for group in try session.businessGroups(limit: Int.max).reversed() {
                let support = try session.support(ofGroup: group.id, limit: Int.max).reversed()
                    .map { "\($0.givenOn) \($0.kind.rawValue): \($0.description)" }.joined(separator: " | ")
                let head = [String(group.id), CSV.guardFormula(group.name), group.category, group.kelurahan, group.createdAt.formatted(style)]
                let tail = [String(group.supportCount), CSV.guardFormula(support)]
                let members = try session.members(ofGroup: group.id)
                if members.isEmpty { text += CSV.line(head + ["", ""] + tail) }
                for member in members {
                    text += CSV.line(head + [CSV.guardFormula(member.registryID), CSV.guardFormula(member.name)] + tail)
                }
            }
            return text
        }
    }

    /// Halal certificate applications in order of arrival, with their status and certificate.
    public func halalCSV() async throws -> String {
        let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: registry.timeZone)
        @Sendable func time(_ seconds: Int64?) -> String {
            seconds.map { Date(timeIntervalSince1970: TimeInterval($0)).formatted(style) } ?? ""
        }
        return try await registry.database.writer.read { db in
            var text = CSV.line(Self.halalColumns)
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.id, b.registry_id, b.name, b.category, b.kelurahan, a.status, a.submitted_at, a.updated_at, a.quota_year,
                       a.certificate_number, a.expires_on, a.reminded_at
                FROM halal_application a JOIN business b ON b.id = a.business_id ORDER BY a.submitted_at, a.id
                """)
            for row in rows {
                let quotaYear: Int? = row[8]
                text += CSV.line([String(row[0] as Int64), CSV.guardFormula(row[1]), CSV.guardFormula(row[2]), row[3], row[4], row[5],
                                  time(row[6]), time(row[7]), quotaYear.map(String.init) ?? "", CSV.guardFormula((row[9] as String?) ?? ""),
                                  (row[10] as String?) ?? "", time(row[11])])
            }
            return text
        }
    }
}
