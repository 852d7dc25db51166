import Foundation
import LapakDatabase
import LapakRegistry
import TelegramBotAPI

/// The nearby-search conversation: ask for a location only when needed, answer with the nearest businesses.
extension LapakUpdateHandler {
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
        try await conversations.setState(DialogState.awaitingSearchLocation(PendingSearch(category: category, halalOnly: halalOnly)).json, of: context.user.id, handling: context.updateID)
        let language = context.language
        let keyboard = ReplyKeyboardMarkup(keyboard: [
            [KeyboardButton(text: texts.text("share_location_button", language), requestLocation: true)],
            [KeyboardButton(text: texts.text("cancel_button", language))],
        ], resizeKeyboard: true, oneTimeKeyboard: true)
        try await send(texts.text("ask_location", language, ["what": HTML.escape(label(of: category, language)),
                                                             "minutes": String(Int(settings.locationWindow / 60))]),
                       to: context, keyboard: .replyKeyboard(keyboard))
    }

    /// A shared location outside any vendor dialog: answers the pending search, or shows what is nearby
    /// with category buttons. A mobile vendor is also offered to make it today's selling spot.
    func searchFrom(location: GeoPoint, pending: PendingSearch?, live: LiveShare?, _ context: ReplyContext) async throws {
        try await conversations.rememberLocation(of: context.user.id, latitude: location.latitude, longitude: location.longitude,
                                                 now: now(), window: settings.locationWindow)
        let mobile = try await registry.businesses(ownedBy: context.user.id).filter { $0.mode == .berkeliling && $0.status == .active }
        let offer: DialogState? = mobile.isEmpty ? nil
            : .offeredCheckIn(latitude: location.latitude, longitude: location.longitude, liveMessageID: live?.messageID,
                              liveUntil: live.map { Int64($0.until.timeIntervalSince1970) })
        try await conversations.setState(offer?.json, of: context.user.id, handling: nil)
        // Put the main keyboard back in place of the "send my location" one.
        try await send(texts.text("location_received", context.language), to: context, keyboard: mainKeyboard(context.language))
        try await showResults(from: location, category: pending?.category, halalOnly: pending?.halalOnly ?? false, context,
                              narrowingButtons: pending == nil, extraRows: mobile.prefix(3).map { business in
                                  [InlineKeyboardButton(text: texts.text(mobile.count == 1 ? "make_checkin_button" : "make_checkin_named_button",
                                                                         context.language, ["name": business.name]),
                                                        callbackData: "jl:\(business.id)")]
                              })
    }

    /// Runs the search and sends the results (or says there are none, offering the nearest of any kind).
    func showResults(from origin: GeoPoint, category: String?, halalOnly: Bool, _ context: ReplyContext, narrowingButtons: Bool = false,
                     extraRows: [[InlineKeyboardButton]] = []) async throws {
        let language = context.language
        let query = NearestQuery(origin: origin, category: category, halalOnly: halalOnly, limit: 5, offset: 0, maxDistance: settings.maxDistance)
        let results = try await registry.nearest(query, at: now())
        if results.isEmpty {
            let none = texts.text("no_results", language, [
                "what": HTML.escape(label(of: category, language)),
                "halal": halalOnly ? texts.text("halal_suffix", language) : "",
                "distance": DistanceFormat.string(metres: settings.maxDistance, decimalComma: language == .indonesian),
            ])
            let extra: ReplyMarkup? = extraRows.isEmpty ? nil : .inlineKeyboard(InlineKeyboardMarkup(rows: extraRows))
            guard category != nil || halalOnly else { return try await send(none, to: context, keyboard: extra) }
            let anyKind = try await registry.nearest(NearestQuery(origin: origin, limit: 5, maxDistance: settings.maxDistance), at: now())
            guard !anyKind.isEmpty else { return try await send(none, to: context, keyboard: extra) }
            let page = try await saveSession(origin: origin, category: nil, halalOnly: false, offset: 0, results: anyKind, context)
            let view = resultsView(language)
            let text = none + "\n\n" + texts.text("nearest_any_instead", language) + "\n\n" + view.list(anyKind, startingAt: 1)
            var keyboard = view.keyboard(session: page, results: anyKind, halalOnly: false, hasMore: anyKind.count == 5)
            keyboard.rows += extraRows
            return try await send(text, to: context, keyboard: .inlineKeyboard(keyboard))
        }
        let session = try await saveSession(origin: origin, category: category, halalOnly: halalOnly, offset: 0, results: results, context)
        let view = resultsView(language)
        var keyboard = view.keyboard(session: session, results: results, halalOnly: halalOnly, hasMore: results.count == 5)
        if narrowingButtons { keyboard.rows += categoryKeyboard(page: 0, language).rows.prefix(2) }
        keyboard.rows += extraRows
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

    /// How results are written for `language`, with live locations that went silent shown as "last seen".
    func resultsView(_ language: Language) -> SearchResultsView {
        SearchResultsView(texts: texts, taxonomy: registry.taxonomy, language: language, timeZone: settings.timeZone, now: now(),
                          liveSilenceLimit: settings.liveSilenceLimit)
    }

    /// The taxonomy as buttons, eight to a page, with a button to the next page; `prefix` tells whose buttons they are
    /// ("" for a search, "e:" for enrollment, "u:ID:" for an edit).
    func categoryKeyboard(page: Int, _ language: Language, prefix: String = "") -> InlineKeyboardMarkup {
        let perPage = 8
        let categories = registry.taxonomy.categories
        let pages = max(1, (categories.count + perPage - 1) / perPage)
        let current = min(max(page, 0), pages - 1)
        let slice = categories.dropFirst(current * perPage).prefix(perPage)
        var rows: [[InlineKeyboardButton]] = stride(from: slice.startIndex, to: slice.endIndex, by: 2).map { index in
            slice[index..<min(index + 2, slice.endIndex)].map { category in
                InlineKeyboardButton(text: "\(category.emoji) \(language == .english ? category.englishName : category.indonesianName)",
                                     callbackData: "\(prefix)k:\(category.slug)")
            }
        }
        rows.append([InlineKeyboardButton(text: texts.text("more_kinds_button", language), callbackData: "\(prefix)c:\((current + 1) % pages)")])
        return InlineKeyboardMarkup(rows: rows)
    }
}
