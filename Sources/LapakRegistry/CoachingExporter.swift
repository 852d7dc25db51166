import Foundation
import GRDB
import LapakDatabase

/// The coaching programme's records as CSV for the agency's spreadsheets (`lapak export --table
/// apprenticeships|orders`), with the registry export's rules: RFC 4180 quoting with CRLF, free text guarded
/// against spreadsheet formulas, times as ISO 8601 with the registry's UTC offset, ya/tidak for yes/no.
public struct CoachingExporter: Sendable {
    let registry: Registry

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
        try await registry.database.writer.read { db in
            var text = CSV.line(Self.apprenticeshipColumns)
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.*, bb.registry_id AS b_id, bb.name AS b_name, bb.category AS b_category, mb.registry_id AS m_id, mb.name AS m_name,
                    (SELECT count(*) FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'checkin' AND r.met = 1) AS meetings,
                    (SELECT rating FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'rating' AND r.side = 'beginner') AS b_rating,
                    (SELECT rating FROM apprenticeship_report r WHERE r.apprenticeship_id = a.id AND r.kind = 'rating' AND r.side = 'mentor') AS m_rating
                FROM apprenticeship a JOIN business bb ON bb.id = a.beginner_id JOIN business mb ON mb.id = a.mentor_id ORDER BY a.id
                """)
            for row in rows {
                text += CSV.line([
                    String(row["id"] as Int64), row["status"], CSV.guardFormula(row["b_id"]), CSV.guardFormula(row["b_name"]),
                    CSV.guardFormula(row["m_id"]), CSV.guardFormula(row["m_name"]), row["b_category"], String(row["weeks"] as Int),
                    time(row["created_at"]), time(row["starts_at"]), time(row["ends_at"]), time(row["closed_at"]),
                    yesNo(row["beginner_accepted"]), yesNo(row["mentor_accepted"]), String(row["meetings"] as Int),
                    (row["b_rating"] as Int?).map(String.init) ?? "", (row["m_rating"] as Int?).map(String.init) ?? "",
                ])
            }
            return text
        }
    }

    /// One row per overflow order, oldest first.
    public func ordersCSV() async throws -> String {
        try await registry.database.writer.read { db in
            var text = CSV.line(Self.orderColumns)
            let rows = try Row.fetchAll(db, sql: """
                SELECT o.*, f.registry_id AS f_id, f.name AS f_name, t.registry_id AS t_id, t.name AS t_name,
                    (SELECT count(*) FROM overflow_offer x WHERE x.order_id = o.id) AS offers,
                    (SELECT via_apprenticeship FROM overflow_offer x WHERE x.order_id = o.id AND x.business_id = o.taken_by_business_id) AS via
                FROM overflow_order o JOIN business f ON f.id = o.from_business_id LEFT JOIN business t ON t.id = o.taken_by_business_id
                ORDER BY o.id
                """)
            for row in rows {
                let taker: String? = row["t_id"]
                text += CSV.line([
                    String(row["id"] as Int64), row["status"], CSV.guardFormula(row["f_id"]), CSV.guardFormula(row["f_name"]),
                    CSV.guardFormula(row["what"]), String(row["quantity"] as Int), time(row["needed_at"]), row["kelurahan"],
                    time(row["created_at"]), String(row["wave"] as Int), String(row["offers"] as Int),
                    taker.map(CSV.guardFormula) ?? "", (row["t_name"] as String?).map(CSV.guardFormula) ?? "",
                    taker == nil ? "" : yesNo(row["via"] ?? false), time(row["closed_at"]),
                ])
            }
            return text
        }
    }

    private func time(_ seconds: Int64?) -> String {
        guard let seconds else { return "" }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
            .formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: registry.timeZone))
    }

    private func yesNo(_ value: Bool) -> String { value ? "ya" : "tidak" }
}
