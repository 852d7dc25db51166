import Foundation
import LapakLanguage
import LapakRegistry

/// The coaching programme's figures in /statistik: business groups and the halal certificate programme.
extension StatisticsFeature {
    /// "\n\n👥 Kelompok usaha …\n☪️ Program sertifikat halal …", or "" while there are no groups and no applications.
    func programmeSection(_ context: BotContext) throws -> String {
        let language = context.language
        let groups = try context.registry.groupTotals()
        let year = context.registry.localYear(of: context.now)
        let halal = try context.registry.halalTotals(year: year)
        var parts: [String] = []
        if groups.groups > 0 {
            parts.append(texts.text("statistics_groups", language, [
                "groups": Bot.number(groups.groups, language), "members": Bot.number(groups.members, language),
                "training": Bot.number(groups.support[.training] ?? 0, language), "equipment": Bot.number(groups.support[.equipment] ?? 0, language),
                "other": Bot.number(groups.support[.other] ?? 0, language),
            ]))
        }
        if !halal.byStatus.isEmpty {
            parts.append(texts.text("statistics_halal", language, [
                "year": String(year), "used": String(halal.quotaUsed), "quota": String(settings.halal.quota),
                "submitted": String(halal.byStatus[.submitted] ?? 0), "accepted": String(halal.byStatus[.accepted] ?? 0),
                "audit": String(halal.byStatus[.auditScheduled] ?? 0), "issued": String(halal.byStatus[.issued] ?? 0),
                "rejected": String(halal.byStatus[.rejected] ?? 0),
            ]))
        }
        return parts.isEmpty ? "" : "\n\n" + parts.joined(separator: "\n\n")
    }
}
