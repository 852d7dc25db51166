import Foundation
import LapakDatabase
import LapakRegistry
import TelegramBotAPI

/// What an inline button asks for. The data is never trusted: it names a server-side search session or
/// a business, and every press is checked against the pressing user's rights and dialog state.
enum ButtonAction: Equatable {
    case categoryPage(Int)
    case category(String)
    case next(session: Int64)
    case toggleHalal(session: Int64)
    case venue(session: Int64, index: Int)
    /// `e:operation[:argument]`: a step of the user's enrollment.
    case enrollment(operation: String, argument: String?)
    /// `j:ID`: check in this business (after /jualan with several).
    case chooseCheckIn(Int64)
    /// `jl:ID`: make the location just searched from today's selling spot.
    case checkInHere(Int64)
    /// `t:ID`: close this business for today. `o:ID`: open it again.
    case close(Int64)
    case reopen(Int64)
    /// `u:ID:operation[:argument]`: a /usahaku edit.
    case manage(Int64, operation: String, argument: String?)
    /// `l:ID` / `l:none`: "is this your business?"
    case link(String)
    /// `s:v:ID` / `s:s:ID`: staff verify or suspend.
    case staff(verify: Bool, Int64)
    /// `b:operation[:argument]`: the staff's announcement panel.
    case broadcast(operation: String, argument: String?)
    /// `bs:ID`: stop a broadcast. `st:ID`: its attendees. `r:ID`: "✋ Ikut" under an announcement.
    case stopBroadcast(Int64)
    case attendees(Int64)
    case rsvp(Int64)

    init?(_ data: String) {
        guard data.utf8.count <= 64 else { return nil }
        let parts = data.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch (parts.first, parts.count) {
        case ("e", 2), ("e", 3): self = .enrollment(operation: parts[1], argument: parts.count == 3 ? parts[2] : nil)
        case ("j", 2): guard let id = Int64(parts[1]) else { return nil }; self = .chooseCheckIn(id)
        case ("jl", 2): guard let id = Int64(parts[1]) else { return nil }; self = .checkInHere(id)
        case ("t", 2): guard let id = Int64(parts[1]) else { return nil }; self = .close(id)
        case ("o", 2): guard let id = Int64(parts[1]) else { return nil }; self = .reopen(id)
        case ("u", 3), ("u", 4): guard let id = Int64(parts[1]) else { return nil }
            self = .manage(id, operation: parts[2], argument: parts.count == 4 ? parts[3] : nil)
        case ("l", 2): self = .link(parts[1])
        case ("b", 2), ("b", 3): self = .broadcast(operation: parts[1], argument: parts.count == 3 ? parts[2] : nil)
        case ("bs", 2): guard let id = Int64(parts[1]) else { return nil }; self = .stopBroadcast(id)
        case ("st", 2): guard let id = Int64(parts[1]) else { return nil }; self = .attendees(id)
        case ("r", 2): guard let id = Int64(parts[1]), id >= 0 else { return nil }; self = .rsvp(id)
        case ("s", 3): guard let id = Int64(parts[2]), ["v", "s"].contains(parts[1]) else { return nil }; self = .staff(verify: parts[1] == "v", id)
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
        do {
            try await handle(action, query: query, context)
        } catch is StaleButton {
            try await expired(query, language)
        }
    }

    private func handle(_ action: ButtonAction, query: CallbackQuery, _ context: ReplyContext) async throws {
        let language = context.language
        switch action {
        case .enrollment(let operation, let argument):
            let state = DialogState(json: try await conversations.state(of: context.user.id))
            try await enrollmentButton(operation, argument, query: query, state: state, context)
        case .chooseCheckIn, .checkInHere, .close, .reopen:
            let state = DialogState(json: try await conversations.state(of: context.user.id))
            try await checkInButton(action, query: query, state: state, context)
        case .manage(let id, let operation, let argument):
            try await manageButton(id: id, operation: operation, argument: argument, query: query, context)
        case .link(let argument):
            let state = DialogState(json: try await conversations.state(of: context.user.id))
            try await linkButton(argument, query: query, state: state, context)
        case .staff(let verify, let id):
            try await staffButton(verify: verify, id: id, query: query, context)
        case .broadcast(let operation, let argument):
            let state = DialogState(json: try await conversations.state(of: context.user.id))
            try await broadcastButton(operation, argument, query: query, state: state, context)
        case .stopBroadcast(let id):
            try await stopBroadcast(id, query: query, context)
        case .attendees(let id):
            try await showAttendees(id, query: query, context)
        case .rsvp(let id):
            try await rsvpButton(id, query: query, context)
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
            try await client.answerCallbackQuery(query.id, text: HTML.plain(texts.text(offset > 0 ? "no_more_results" : "no_results", language, [
                "what": label(of: session.category, language), "halal": halalOnly ? texts.text("halal_suffix", language) : "",
                "distance": DistanceFormat.string(metres: settings.maxDistance, decimalComma: language == .indonesian),
            ])), showAlert: offset == 0)
            return
        }
        try await client.answerCallbackQuery(query.id)
        let id = try await saveSession(origin: origin, category: session.category, halalOnly: halalOnly, offset: offset, results: results, context)
        let view = resultsView(language)
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
