import Foundation
import LapakDatabase
import LapakLanguage
import LapakRegistry
import TelegramBotAPI

/// The search's buttons: category pages and choices, next page, halal filter, map pins. Their data names
/// a server-side search session, never the query itself, and a session answers only the user it belongs to.
extension SearchFeature {
    func registerButtons(in router: inout BotRouter) {
        // c:PAGE: another page of the category keyboard.
        router.button("c", access: .anyone) { context, press in
            guard let page = Int(press.arguments[0]), (0..<100).contains(page) else { throw StaleButton() }
            try context.answer()
            try context.editPressedKeyboard(categoryKeyboard(page: page, context.language))
        }
        // k:SLUG: search for this kind.
        router.button("k", access: .anyone) { context, press in
            let slug = press.arguments[0]
            guard bot.taxonomy.category(slug) != nil else { throw StaleButton() }
            try context.answer()
            try findNearby(category: slug, halalOnly: false, context)
        }
        // n:SESSION: the next page.
        router.button("n", access: .anyone) { context, press in
            let session = try searchSession(press.id(0), context)
            try showPage(of: session, offset: session.offset + 5, halalOnly: session.halalOnly, context)
        }
        // p:SESSION: the previous page.
        router.button("p", access: .anyone) { context, press in
            let session = try searchSession(press.id(0), context)
            guard session.offset > 0 else { throw StaleButton() }
            try showPage(of: session, offset: max(0, session.offset - 5), halalOnly: session.halalOnly, context)
        }
        // h:SESSION: the other halal filter, from the first page.
        router.button("h", access: .anyone) { context, press in
            let session = try searchSession(press.id(0), context)
            try showPage(of: session, offset: 0, halalOnly: !session.halalOnly, context)
        }
        // v:SESSION:INDEX: a result as a map pin.
        router.button("v", access: .anyone, arguments: 2...2) { context, press in
            let session = try searchSession(press.id(0), context)
            guard let index = Int(press.arguments[1]), (0..<50).contains(index), index < session.resultIDs.count,
                  let business = try context.registry.business(id: session.resultIDs[index]),
                  let position = try context.registry.currentPosition(ofBusiness: business.id) ?? business.location
            else { throw StaleButton() }
            try context.answer()
            let address = business.address.contains(business.kelurahan) ? business.address
                : [business.address, business.kelurahan].filter { !$0.isEmpty }.joined(separator: ", ")
            try context.request(.sendVenue(chatID: context.chatID, latitude: position.latitude, longitude: position.longitude,
                                           title: business.name, address: address.isEmpty ? "Bontang" : address))
        }
    }

    /// The pressing user's own search session, while its buttons still work.
    private func searchSession(_ id: Int64, _ context: BotContext) throws -> ConversationStore.SearchSession {
        guard let session = try context.conversations.search(id, of: context.user.id, now: context.now, maxAge: settings.buttonLifetime) else {
            throw StaleButton()
        }
        return session
    }

    /// Replaces the results message with another page (or the other halal filter) of the same search.
    private func showPage(of session: ConversationStore.SearchSession, offset: Int, halalOnly: Bool, _ context: BotContext) throws {
        let language = context.language
        let origin = GeoPoint(latitude: session.latitude, longitude: session.longitude)
        let names = NameQuery(encoded: session.names)
        let results = try context.registry.nearest(NearestQuery(origin: origin, category: session.category, halalOnly: halalOnly, limit: 5,
                                                                offset: offset, maxDistance: settings.maxDistance, names: names), at: context.now)
        guard !results.isEmpty else {
            return try context.answer(HTML.plain(texts.text(offset > 0 ? "no_more_results" : "no_results", language, [
                "what": names.isEmpty ? label(of: session.category, language) : names.display, "halal": halalOnly ? texts.text("halal_suffix", language) : "",
                "distance": DistanceFormat.string(metres: settings.maxDistance, decimalComma: language == .indonesian),
            ])), alert: offset == 0)
        }
        try context.answer()
        let id = try saveSession(origin: origin, category: session.category, halalOnly: halalOnly, offset: offset, results: results, names: names,
                                 context)
        let view = resultsView(context)
        let text = view.page(results, category: session.category, halalOnly: halalOnly, offset: offset, names: names)
        let keyboard = view.keyboard(session: id, results: results, halalOnly: halalOnly, hasMore: results.count == 5, offset: offset)
        if context.callbackQuery?.message != nil {
            try context.editPressedMessage(text, keyboard: keyboard)
        } else {
            try send(text, to: context, keyboard: .inlineKeyboard(keyboard))
        }
    }
}
