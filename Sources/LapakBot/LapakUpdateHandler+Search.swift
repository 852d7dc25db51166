import Foundation
import LapakDatabase
import LapakRegistry
import TelegramBotAPI

/// The nearby-search conversation: ask for a location only when needed, answer with the nearest businesses.
extension LapakUpdateHandler {
    /// A search waiting for the user's location, stored as the dialog state.
    struct PendingSearch: Equatable {
        var category: String?
        var halalOnly: Bool

        var json: String {
            JSONValue.object(["step": "awaiting_location", "category": category.map(JSONValue.string) ?? .null, "halal": .bool(halalOnly)])
                .serializedString()
        }

        init(category: String?, halalOnly: Bool) {
            self.category = category
            self.halalOnly = halalOnly
        }

        init?(json: String?) {
            guard let json, let value = try? JSONValue.parse(json), value["step"]?.stringValue == "awaiting_location" else { return nil }
            category = value["category"]?.stringValue
            halalOnly = value["halal"]?.boolValue ?? false
        }
    }

    /// find_nearby: answer at once with a remembered location, otherwise ask for one (or for a category first).
    func findNearby(category: String?, halalOnly: Bool, _ context: ReplyContext) async throws {
        if category == nil && !halalOnly {
            return try await send(texts.text("choose_category", context.language), to: context,
                                  keyboard: .inlineKeyboard(categoryKeyboard(page: 0, context.language)))
        }
        let moment = now()
        if let remembered = try await conversations.recentLocation(of: context.user.id, now: moment, window: settings.locationWindow) {
            try await conversations.setState(nil, of: context.user.id, handling: nil)
            return try await showResults(from: GeoPoint(latitude: remembered.latitude, longitude: remembered.longitude),
                                         category: category, halalOnly: halalOnly, context)
        }
        try await conversations.setState(PendingSearch(category: category, halalOnly: halalOnly).json, of: context.user.id, handling: context.updateID)
        let language = context.language
        let keyboard = ReplyKeyboardMarkup(keyboard: [
            [KeyboardButton(text: texts.text("share_location_button", language), requestLocation: true)],
            [KeyboardButton(text: texts.text("cancel_button", language))],
        ], resizeKeyboard: true, oneTimeKeyboard: true)
        try await send(texts.text("ask_location", language, ["what": HTML.escape(label(of: category, language)),
                                                             "minutes": String(Int(settings.locationWindow / 60))]),
                       to: context, keyboard: .replyKeyboard(keyboard))
    }

    /// A shared location: answers the pending search, or shows what is nearby with category buttons.
    func received(location: GeoPoint, _ context: ReplyContext) async throws {
        try await conversations.rememberLocation(of: context.user.id, latitude: location.latitude, longitude: location.longitude,
                                                 now: now(), window: settings.locationWindow)
        let pending = PendingSearch(json: try await conversations.state(of: context.user.id))
        try await conversations.setState(nil, of: context.user.id, handling: nil)
        // Put the main keyboard back in place of the "send my location" one.
        try await send(texts.text("location_received", context.language), to: context, keyboard: mainKeyboard(context.language))
        try await showResults(from: location, category: pending?.category, halalOnly: pending?.halalOnly ?? false, context,
                              narrowingButtons: pending == nil)
    }

    /// Runs the search and sends the results (or says there are none, offering the nearest of any kind).
    func showResults(from origin: GeoPoint, category: String?, halalOnly: Bool, _ context: ReplyContext, narrowingButtons: Bool = false) async throws {
        let language = context.language
        let query = NearestQuery(origin: origin, category: category, halalOnly: halalOnly, limit: 5, offset: 0, maxDistance: settings.maxDistance)
        let results = try await registry.nearest(query, at: now())
        if results.isEmpty {
            let none = texts.text("no_results", language, [
                "what": HTML.escape(label(of: category, language)),
                "halal": halalOnly ? texts.text("halal_suffix", language) : "",
                "distance": DistanceFormat.string(metres: settings.maxDistance, decimalComma: language == .indonesian),
            ])
            guard category != nil || halalOnly else { return try await send(none, to: context) }
            let anyKind = try await registry.nearest(NearestQuery(origin: origin, limit: 5, maxDistance: settings.maxDistance), at: now())
            guard !anyKind.isEmpty else { return try await send(none, to: context) }
            let page = try await saveSession(origin: origin, category: nil, halalOnly: false, offset: 0, results: anyKind, context)
            let view = SearchResultsView(texts: texts, taxonomy: registry.taxonomy, language: language, timeZone: settings.timeZone)
            let text = none + "\n\n" + texts.text("nearest_any_instead", language) + "\n\n" + view.list(anyKind, startingAt: 1)
            return try await send(text, to: context, keyboard: .inlineKeyboard(view.keyboard(session: page, results: anyKind, halalOnly: false,
                                                                                             hasMore: anyKind.count == 5)))
        }
        let session = try await saveSession(origin: origin, category: category, halalOnly: halalOnly, offset: 0, results: results, context)
        let view = SearchResultsView(texts: texts, taxonomy: registry.taxonomy, language: language, timeZone: settings.timeZone)
        var keyboard = view.keyboard(session: session, results: results, halalOnly: halalOnly, hasMore: results.count == 5)
        if narrowingButtons { keyboard.rows += categoryKeyboard(page: 0, language).rows.prefix(2) }
        try await send(view.page(results, category: category, halalOnly: halalOnly, offset: 0), to: context, keyboard: .inlineKeyboard(keyboard))
    }

    func saveSession(origin: GeoPoint, category: String?, halalOnly: Bool, offset: Int, results: [SearchResult], _ context: ReplyContext) async throws -> Int64 {
        try await conversations.saveSearch(
            ConversationStore.SearchSession(userID: context.user.id, latitude: origin.latitude, longitude: origin.longitude, category: category,
                                            halalOnly: halalOnly, offset: offset, resultIDs: results.map(\.business.id), createdAt: now()),
            keep: settings.buttonLifetime, handling: context.updateID)
    }

    /// "katering" → "Katering", nil → "usaha".
    func label(of category: String?, _ language: Language) -> String {
        guard let category, let entry = registry.taxonomy.category(category) else { return texts.text("any_business", language) }
        return language == .english ? entry.englishName.lowercased() : entry.indonesianName.lowercased()
    }

    /// The taxonomy as buttons, eight to a page, with a button to the next page.
    func categoryKeyboard(page: Int, _ language: Language) -> InlineKeyboardMarkup {
        let perPage = 8
        let categories = registry.taxonomy.categories
        let pages = max(1, (categories.count + perPage - 1) / perPage)
        let current = min(max(page, 0), pages - 1)
        let slice = categories.dropFirst(current * perPage).prefix(perPage)
        var rows: [[InlineKeyboardButton]] = stride(from: slice.startIndex, to: slice.endIndex, by: 2).map { index in
            slice[index..<min(index + 2, slice.endIndex)].map { category in
                InlineKeyboardButton(text: "\(category.emoji) \(language == .english ? category.englishName : category.indonesianName)",
                                     callbackData: "k:\(category.slug)")
            }
        }
        rows.append([InlineKeyboardButton(text: texts.text("more_kinds_button", language), callbackData: "c:\((current + 1) % pages)")])
        return InlineKeyboardMarkup(rows: rows)
    }
}
