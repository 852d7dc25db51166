import Foundation
import LapakDatabase
import LapakRegistry
import TelegramBotAPI

/// What an inline button asks for. The data is never trusted: it names a server-side search session,
/// which must exist, belong to the user who pressed, and still be fresh.
enum ButtonAction: Equatable {
    case categoryPage(Int)
    case category(String)
    case next(session: Int64)
    case toggleHalal(session: Int64)
    case venue(session: Int64, index: Int)

    init?(_ data: String) {
        let parts = data.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("c", 2): guard let page = Int(parts[1]), (0..<100).contains(page) else { return nil }; self = .categoryPage(page)
        case ("k", 2): self = .category(parts[1])
        case ("n", 2): guard let id = Int64(parts[1]) else { return nil }; self = .next(session: id)
        case ("h", 2): guard let id = Int64(parts[1]) else { return nil }; self = .toggleHalal(session: id)
        case ("v", 3): guard let id = Int64(parts[1]), let index = Int(parts[2]), (0..<50).contains(index) else { return nil }
            self = .venue(session: id, index: index)
        default: return nil
        }
    }
}

extension LapakUpdateHandler {
    func handle(_ query: CallbackQuery, updateID: Int64) async throws {
        let language = try await language(of: query.from)
        let context = ReplyContext(chatID: query.message?.chat.id ?? query.from.id, user: query.from, language: language, updateID: updateID)
        guard let data = query.data, let action = ButtonAction(data) else { return try await expired(query, language) }

        switch action {
        case .categoryPage(let page):
            try await client.answerCallbackQuery(query.id)
            if let message = query.message {
                try await client.editMessageReplyMarkup(chatID: context.chatID, messageID: message.messageID,
                                                        replyMarkup: categoryKeyboard(page: page, language))
            }
        case .category(let slug):
            guard registry.taxonomy.category(slug) != nil else { return try await expired(query, language) }
            try await client.answerCallbackQuery(query.id)
            try await findNearby(category: slug, halalOnly: false, context)
        case .next(let id):
            guard let session = try await conversations.search(id, of: query.from.id, now: now(), maxAge: settings.buttonLifetime) else {
                return try await expired(query, language)
            }
            try await showPage(of: session, offset: session.offset + 5, halalOnly: session.halalOnly, query: query, context)
        case .toggleHalal(let id):
            guard let session = try await conversations.search(id, of: query.from.id, now: now(), maxAge: settings.buttonLifetime) else {
                return try await expired(query, language)
            }
            try await showPage(of: session, offset: 0, halalOnly: !session.halalOnly, query: query, context)
        case .venue(let id, let index):
            guard let session = try await conversations.search(id, of: query.from.id, now: now(), maxAge: settings.buttonLifetime),
                  index < session.resultIDs.count,
                  let business = try await registry.business(id: session.resultIDs[index]),
                  let position = try await registry.currentPosition(ofBusiness: business.id) ?? business.location
            else { return try await expired(query, language) }
            try await client.answerCallbackQuery(query.id)
            let address = business.address.contains(business.kelurahan) ? business.address
                : [business.address, business.kelurahan].filter { !$0.isEmpty }.joined(separator: ", ")
            try await client.sendVenue(chatID: context.chatID, latitude: position.latitude, longitude: position.longitude,
                                       title: business.name, address: address.isEmpty ? "Bontang" : address)
        }
    }

    /// Replaces the results message with another page (or the other halal filter) of the same search.
    private func showPage(of session: ConversationStore.SearchSession, offset: Int, halalOnly: Bool, query: CallbackQuery,
                          _ context: ReplyContext) async throws {
        let language = context.language
        let origin = GeoPoint(latitude: session.latitude, longitude: session.longitude)
        let results = try await registry.nearest(NearestQuery(origin: origin, category: session.category, halalOnly: halalOnly, limit: 5,
                                                              offset: offset, maxDistance: settings.maxDistance), at: now())
        guard !results.isEmpty else {
            try await client.answerCallbackQuery(query.id, text: texts.text(offset > 0 ? "no_more_results" : "no_results", language, [
                "what": label(of: session.category, language), "halal": halalOnly ? texts.text("halal_suffix", language) : "",
                "distance": DistanceFormat.string(metres: settings.maxDistance, decimalComma: language == .indonesian),
            ]).replacingOccurrences(of: "<b>", with: "").replacingOccurrences(of: "</b>", with: ""), showAlert: offset == 0)
            return
        }
        try await client.answerCallbackQuery(query.id)
        let id = try await saveSession(origin: origin, category: session.category, halalOnly: halalOnly, offset: offset, results: results, context)
        let view = SearchResultsView(texts: texts, taxonomy: registry.taxonomy, language: language, timeZone: settings.timeZone)
        let text = view.page(results, category: session.category, halalOnly: halalOnly, offset: offset)
        let keyboard = view.keyboard(session: id, results: results, halalOnly: halalOnly, hasMore: results.count == 5)
        if let message = query.message {
            try await client.editMessageText(chatID: context.chatID, messageID: message.messageID, text: text, parseMode: .html, replyMarkup: keyboard)
        } else {
            try await send(text, to: context, keyboard: .inlineKeyboard(keyboard))
        }
    }

    private func expired(_ query: CallbackQuery, _ language: Language) async throws {
        try await client.answerCallbackQuery(query.id, text: texts.text("button_expired", language))
    }
}
