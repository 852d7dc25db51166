import Foundation
import LapakLanguage
import LapakRegistry

/// /statistik's section on the coaching programme (issue 13): apprenticeships and overflow orders.
extension StatisticsFeature {
    /// "\n\n🤝 Magang: aktif 3 · …" for the end of /statistik.
    func coachingSection(_ context: BotContext) throws -> String {
        let language = context.language
        let apprenticeships = try context.registry.apprenticeshipTotals()
        let orders = try context.registry.overflowTotals()
        let rating = apprenticeships.averageRating.map { value -> String in
            let text = String(format: "%.1f", value)
            return (language == .indonesian ? text.replacingOccurrences(of: ".", with: ",") : text) + " (\(apprenticeships.ratings))"
        } ?? "–"
        return "\n\n" + texts.text("statistics_coaching", language, [
            "active": String(apprenticeships.active), "proposed": String(apprenticeships.proposed),
            "finished": String(apprenticeships.finished), "cancelled": String(apprenticeships.cancelled),
            "meetings": String(apprenticeships.meetingsReported), "rating": rating,
            "taken": String(orders.taken), "by_apprentices": String(orders.takenByApprentices), "expired": String(orders.expired),
            "withdrawn": String(orders.cancelled), "open": String(orders.open),
        ])
    }
}
