import Foundation
import LapakLanguage
import LapakDatabase
import LapakRegistry
import TelegramBotAPI

/// The nearby-search conversation: ask for a location only when needed, answer with the nearest businesses.
struct SearchFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.find, access: .anyone) { context, argument in
            let understanding = argument.map(matcher.understand) ?? Understanding(intent: .findNearby)
            try findNearby(category: understanding.category, halalOnly: understanding.halalOnly, names: registeredNames(in: argument ?? "", context),
                           context)
        }
        router.findRoute = { context, understanding, text in
            try findNearby(category: understanding.category, halalOnly: understanding.halalOnly, names: registeredNames(in: text, context), context)
        }
        // Text that is no kind and no request may be a business's name ("Amplang Bu Ani").
        router.nameRoute = { context, text in
            let names = try registeredNames(in: text, context)
            guard !names.isEmpty else { return false }
            try findNearby(category: nil, halalOnly: false, names: names, context)
            return true
        }
        router.keyboardButton("search_button", runs: .find)
        router.locationRoute = { context, location, live in try searchFrom(location: location, pending: nil, live: live, context) }
        router.dialog(.awaitingSearchLocation, DialogRoute(location: { context, state, location, live in
            guard case .awaitingSearchLocation(let pending) = state else { return false }
            try searchFrom(location: location, pending: pending, live: live, context)
            return true
        }))
        registerButtons(in: &router)
    }

    /// The business names `text` asks for, with typos corrected (see `IntentMatcher.registeredNames`).
    func registeredNames(in text: String, _ context: BotContext) throws -> NameQuery {
        try matcher.registeredNames(in: text, registry: context.registry)
    }

    /// find_nearby: answer at once with a remembered location, otherwise ask for one (or for a category first).
    func findNearby(category: String?, halalOnly: Bool, names: NameQuery = NameQuery(), _ context: BotContext) throws {
        if category == nil && !halalOnly && names.isEmpty {
            return try send(texts.text("choose_category", context.language), to: context,
                                  keyboard: .inlineKeyboard(categoryKeyboard(page: 0, context.language)))
        }
        let search = PendingSearch(category: category, halalOnly: halalOnly, names: names)
        // A remembered location is used only while it is recent and inside the service area; otherwise the
        // answer says which it is and asks for a fresh one, rather than drawing results from it.
        var note: String?
        if let remembered = try context.conversations.lastLocation(of: context.user.id) {
            let point = GeoPoint(latitude: remembered.latitude, longitude: remembered.longitude)
            let time = resultsView(context).time(remembered.recordedAt)
            if context.now.timeIntervalSince(remembered.recordedAt) > settings.locationWindow {
                note = texts.text("remembered_location_stale", context.language, ["time": time, "minutes": String(Int(settings.locationWindow / 60))])
            } else if !settings.region.contains(point) {
                note = texts.text("remembered_location_outside", context.language, ["time": time])
            } else {
                try context.setDialogState(nil)
                return try showResults(from: point, search: search, context)
            }
        }
        try askForLocation(search, note: note, context)
    }

    /// Asks for the location a search needs (after `note`, which says why a remembered one is not used).
    func askForLocation(_ search: PendingSearch, note: String? = nil, _ context: BotContext) throws {
        try context.setDialogState(DialogState.awaitingSearchLocation(search))
        let (category, names) = (search.category, search.names)
        let language = context.language
        let ask = texts.text("ask_location", language, ["what": HTML.escape(names.isEmpty ? label(of: category, language) : names.display),
                                                        "minutes": String(Int(settings.locationWindow / 60))])
        try send(note.map { $0 + "\n\n" + ask } ?? ask, to: context, keyboard: .replyKeyboard(locationKeyboard(language)))
    }

    /// "Send my location" and "Cancel", in place of the main keyboard while a search waits for a location.
    func locationKeyboard(_ language: Language) -> ReplyKeyboardMarkup {
        ReplyKeyboardMarkup(keyboard: [
            [KeyboardButton(text: texts.text("share_location_button", language), requestLocation: true)],
            [KeyboardButton(text: texts.text("cancel_button", language))],
        ], resizeKeyboard: true, oneTimeKeyboard: true)
    }

    /// A shared location outside any vendor dialog: answers the pending search, or shows what is nearby
    /// with category buttons. A mobile vendor is also offered to make it today's selling spot.
    func searchFrom(location: GeoPoint, pending: PendingSearch?, live: LiveShare?, _ context: BotContext) throws {
        try context.conversations.rememberLocation(of: context.user.id, latitude: location.latitude, longitude: location.longitude,
                                                 now: context.now, window: settings.locationWindow)
        guard settings.region.contains(location) else {
            // Lapak knows only Bontang's businesses: results from elsewhere would be none, or far away and misleading.
            // A pending search keeps waiting for a location inside the area.
            try context.setDialogState(pending.map(DialogState.awaitingSearchLocation))
            return try send(texts.text("location_outside_service_area", context.language), to: context,
                            keyboard: .replyKeyboard(locationKeyboard(context.language)))
        }
        let mobile = try context.registry.businesses(ownedBy: context.user.id).filter { $0.mode == .berkeliling && $0.status == .active }
        let offer: DialogState? = mobile.isEmpty ? nil
            : .offeredCheckIn(latitude: location.latitude, longitude: location.longitude, liveMessageID: live?.messageID,
                              liveUntil: live.map { Int64($0.until.timeIntervalSince1970) })
        try context.setDialogState(offer)
        // Put the main keyboard back in place of the "send my location" one.
        try send(texts.text("location_received", context.language), to: context, keyboard: mainKeyboard(context.language))
        try showResults(from: location, search: pending ?? PendingSearch(category: nil, halalOnly: false), context,
                              narrowingButtons: pending == nil, extraRows: mobile.prefix(3).map { business in
                                  [InlineKeyboardButton(text: texts.text(mobile.count == 1 ? "make_checkin_button" : "make_checkin_named_button",
                                                                         context.language, ["name": business.name]),
                                                        callbackData: "jl:\(business.id)")]
                              })
    }

    /// Runs the search and sends the results (or says there are none, offering the nearest of any kind).
    func showResults(from origin: GeoPoint, search: PendingSearch, _ context: BotContext, narrowingButtons: Bool = false,
                     extraRows: [[InlineKeyboardButton]] = []) throws {
        let language = context.language
        let (category, halalOnly, names) = (search.category, search.halalOnly, search.names)
        let query = NearestQuery(origin: origin, category: category, halalOnly: halalOnly, limit: 5, offset: 0, maxDistance: settings.maxDistance,
                                 names: names)
        let results = try context.registry.nearest(query, at: context.now)
        if results.isEmpty {
            let none = texts.text("no_results", language, [
                "what": HTML.escape(names.isEmpty ? label(of: category, language) : names.display),
                "halal": halalOnly ? texts.text("halal_suffix", language) : "",
                "distance": DistanceFormat.string(metres: settings.maxDistance, decimalComma: language == .indonesian),
            ])
            let extra: ReplyMarkup? = extraRows.isEmpty ? nil : .inlineKeyboard(InlineKeyboardMarkup(rows: extraRows))
            guard category != nil || halalOnly else { return try send(none, to: context, keyboard: extra) }
            let anyKind = try context.registry.nearest(NearestQuery(origin: origin, limit: 5, maxDistance: settings.maxDistance), at: context.now)
            guard !anyKind.isEmpty else { return try send(none, to: context, keyboard: extra) }
            let page = try saveSession(origin: origin, category: nil, halalOnly: false, offset: 0, results: anyKind, context)
            let view = resultsView(language, context)
            let text = none + "\n\n" + texts.text("nearest_any_instead", language) + "\n\n" + view.list(anyKind, startingAt: 1)
            var keyboard = view.keyboard(session: page, results: anyKind, halalOnly: false, hasMore: anyKind.count == 5)
            keyboard.rows += extraRows
            return try send(text, to: context, keyboard: .inlineKeyboard(keyboard))
        }
        let session = try saveSession(origin: origin, category: category, halalOnly: halalOnly, offset: 0, results: results, names: names, context)
        let view = resultsView(language, context)
        var keyboard = view.keyboard(session: session, results: results, halalOnly: halalOnly, hasMore: results.count == 5)
        if narrowingButtons { keyboard.rows += categoryKeyboard(page: 0, language).rows.prefix(2) }
        keyboard.rows += extraRows
        try send(view.page(results, category: category, halalOnly: halalOnly, offset: 0, names: names), to: context, keyboard: .inlineKeyboard(keyboard))
    }

    func saveSession(origin: GeoPoint, category: String?, halalOnly: Bool, offset: Int, results: [SearchResult], names: NameQuery = NameQuery(),
                     _ context: BotContext) throws -> Int64 {
        try context.conversations.saveSearch(
            ConversationStore.SearchSession(userID: context.user.id, latitude: origin.latitude, longitude: origin.longitude, category: category,
                                            halalOnly: halalOnly, offset: offset, resultIDs: results.map(\.business.id), createdAt: context.now,
                                            names: names.encoded),
            keep: settings.buttonLifetime, handling: nil)
    }
}
