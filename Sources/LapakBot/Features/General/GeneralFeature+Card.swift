import Foundation
import LapakRegistry
import TelegramBotAPI

extension GeneralFeature {
    /// The business number of a website deep link (`u123`), or nil for any other /start payload.
    static func websiteBusinessID(_ payload: String) -> Int64? {
        guard payload.hasPrefix("u"), payload.count <= 20, let id = Int64(payload.dropFirst()), id > 0 else { return nil }
        return id
    }

    /// The card of business `id` as the website shows it, with its pin: what the citizen came from the site for.
    /// A business that was suspended or deleted meanwhile gets a clear word, never its old details.
    func showPublicCard(_ id: Int64, _ context: BotContext) throws {
        try context.setDialogState(nil)
        let language = context.language
        guard let business = try context.registry.business(id: id), business.status == .active else {
            return try send(texts.text("public_business_missing", language), to: context, keyboard: mainKeyboard(language))
        }
        let category = bot.taxonomy.category(business.category)
        let view = resultsView(context)
        let position = try context.registry.currentPosition(ofBusiness: business.id)
        var today = ""
        if business.mode == .berkeliling, let checkIn = try context.registry.activeCheckIn(businessID: business.id, now: context.now) {
            today = texts.text("today_selling", language, ["kelurahan": HTML.escape(Kelurahan.nearest(to: checkIn.position).name),
                                                           "since": view.time(checkIn.startedAt), "until": view.time(checkIn.endsAt)])
        } else if business.mode == .berkeliling {
            today = texts.text("today_not_selling", language)
        }
        let marks = [business.halal ? texts.text("halal_mark", language) : nil,
                     texts.text(business.verified ? "verified_mark" : "unverified_mark", language)].compactMap { $0 }
        let text = texts.text("public_business_card", language, [
            "name": HTML.escape(business.name),
            "category": category.map { "\($0.emoji) \(HTML.escape(language == .english ? $0.englishName : $0.indonesianName))" }
                ?? HTML.escape(business.category),
            "kelurahan": HTML.escape(business.kelurahan.isEmpty ? "Bontang" : business.kelurahan),
            "address": HTML.escape(business.address.isEmpty ? "–" : business.address),
            "phone": HTML.escape(business.phone.isEmpty ? "–" : business.phone),
            "marks": marks.joined(separator: " · "), "today": today,
        ]).replacingOccurrences(of: "\n\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        try send(text, to: context, keyboard: mainKeyboard(language))
        if let position = position ?? (business.mode == .menetap ? business.location : nil) {
            try context.request(.sendVenue(chatID: context.chatID, latitude: position.latitude, longitude: position.longitude,
                                           title: business.name, address: business.address.isEmpty ? "Bontang" : business.address))
        }
    }
}
