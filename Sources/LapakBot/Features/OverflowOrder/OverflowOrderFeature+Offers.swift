import Foundation
import GRDB
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// The offers: waves of three with Ambil / Tolak, the first Ambil wins, the others are edited, the
/// originator is told; after the time limit the originator can widen the search or cancel.
extension OverflowOrderFeature {
    /// Offers the order to the next wave and tells the originator; with no one left, it is expired.
    func offerNextWave(_ orderID: Int64, _ context: BotContext) throws {
        let language = context.language
        let candidates = try context.registry.offerNextWave(of: orderID, size: Self.waveSize, answerWithin: Self.answerWithin, now: context.now)
        guard let order = try context.registry.overflowOrder(orderID), let from = try context.registry.business(id: order.fromBusinessID) else { return }
        guard !candidates.isEmpty else {
            try context.registry.markOverflowOrderExhausted(orderID, now: context.now)
            return try send(texts.text("overflow_no_candidates", language, ["id": String(orderID)]), to: context, keyboard: mainKeyboard(language))
        }
        for candidate in candidates {
            let recipientLanguage = try context.replyLanguage(of: candidate.userID)
            let replyID = try context.send(offerText(order, from: from, candidate: candidate, recipientLanguage, context), toChat: candidate.userID,
                                           keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                                               InlineKeyboardButton(text: texts.text("take_button", recipientLanguage), callbackData: "oa:\(orderID):\(candidate.business.id)"),
                                               InlineKeyboardButton(text: texts.text("decline_button", recipientLanguage), callbackData: "od:\(orderID):\(candidate.business.id)"),
                                           ]])))
            try context.registry.setOfferReply(order: orderID, business: candidate.business.id, replyID: replyID)
        }
        try send(texts.text("overflow_offered", language, [
            "id": String(orderID), "count": String(candidates.count), "wave": String(order.wave), "minutes": String(Int(Self.answerWithin / 60)),
        ]), to: context, keyboard: mainKeyboard(language))
    }

    /// The offer as one candidate reads it.
    private func offerText(_ order: OverflowOrder, from: Business, candidate: OfferCandidate, _ language: Language, _ context: BotContext) -> String {
        texts.text("overflow_offer", language, [
            "id": String(order.id), "from": HTML.escape(from.name),
            "apprentice": candidate.viaApprenticeship ? texts.text("overflow_from_mentor", language) : "",
            "what": HTML.escape(order.what), "when": when(order.neededAt, language, context), "place": HTML.escape(order.kelurahan),
            "distance": candidate.distance.map { " · " + DistanceFormat.string(metres: $0, decimalComma: language == .indonesian) } ?? "",
            "note": order.note.isEmpty ? "" : texts.text("overflow_note_line", language, ["note": HTML.escape(order.note)]),
            "minutes": String(Int(Self.answerWithin / 60)),
        ])
    }

    /// "12/12 pukul 10.00".
    func when(_ date: Date, _ language: Language, _ context: BotContext) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let parts = calendar.dateComponents([.day, .month], from: date)
        return texts.text("overflow_when", language, ["date": String(format: "%02d/%02d", parts.day ?? 0, parts.month ?? 0),
                                                      "time": resultsView(language, context).time(date)])
    }

    /// `oa:ORDER:BUSINESS`: the first Ambil wins (one conditional UPDATE); a late or forged press is refused.
    func take(_ orderID: Int64, business businessID: Int64, _ context: BotContext) throws {
        let language = context.language
        switch try context.registry.takeOverflowOrder(orderID, business: businessID, userID: context.user.id, now: context.now) {
        case .notOffered:
            throw StaleButton()
        case .tooLate:
            try context.answer(texts.text("overflow_too_late", language), alert: true)
            try context.editPressedKeyboard(nil)
        case .taken(let order, let others):
            guard let from = try context.registry.business(id: order.fromBusinessID), let taker = try context.registry.business(id: businessID) else {
                throw StaleButton()
            }
            try context.answer()
            try context.editPressedKeyboard(nil)
            try send(texts.text("overflow_taken_you", language, [
                "id": String(order.id), "what": HTML.escape(order.what), "when": when(order.neededAt, language, context),
                "place": HTML.escape(order.kelurahan), "from": HTML.escape(from.name),
                "telegram": bot.apprenticeship.telegramContact(userID: order.fromUserID, name: from.name, username: order.fromUsername, language),
                "phone": HTML.escape(from.phone.isEmpty ? "–" : from.phone),
                "customer": order.customerContact.isEmpty ? texts.text("none_dash", language) : HTML.escape(order.customerContact),
            ]), to: context)
            let originatorLanguage = try context.replyLanguage(of: order.fromUserID)
            try context.send(texts.text("overflow_taken_originator", originatorLanguage, [
                "id": String(order.id), "what": HTML.escape(order.what), "taker": HTML.escape(taker.name),
                "telegram": bot.apprenticeship.telegramContact(userID: context.user.id, name: taker.name, username: context.user.username, originatorLanguage),
                "phone": HTML.escape(taker.phone.isEmpty ? "–" : taker.phone),
            ]), toChat: order.fromUserID)
            try Self.editOffers(others, of: order, key: "overflow_already_taken", texts: texts, stores: context.stores, now: context.now) { request, chat in
                try context.request(request, chatID: chat)
            }
            logger.info("Overflow order taken", metadata: ["order": "\(order.id)", "business": "\(taker.registryID)"])
        }
    }

    /// `od:ORDER:BUSINESS`: Tolak.
    func decline(_ orderID: Int64, business businessID: Int64, _ context: BotContext) throws {
        guard try context.registry.declineOverflowOrder(orderID, business: businessID, userID: context.user.id, now: context.now) else {
            throw StaleButton()
        }
        try context.answer()
        try context.editPressedKeyboard(nil)
        try send(texts.text("overflow_declined", context.language, ["id": String(orderID)]), to: context)
    }

    /// `ow:ORDER`: after expiry, the originator offers it to the next wave.
    func widen(_ orderID: Int64, _ context: BotContext) throws {
        guard let order = try context.registry.overflowOrder(orderID), order.fromUserID == context.user.id, order.status == .expired else {
            throw StaleButton()
        }
        try context.answer()
        try context.editPressedKeyboard(nil)
        try offerNextWave(orderID, context)
    }

    /// `ox:ORDER`: the originator cancels; pending offers are edited to say so.
    func cancel(_ orderID: Int64, _ context: BotContext) throws {
        guard let order = try context.registry.overflowOrder(orderID), order.fromUserID == context.user.id,
              let pending = try context.registry.cancelOverflowOrder(orderID, now: context.now) else { throw StaleButton() }
        try context.answer()
        try context.editPressedKeyboard(nil)
        try send(texts.text("overflow_cancelled", context.language, ["id": String(orderID)]), to: context)
        try Self.editOffers(pending, of: order, key: "overflow_offer_cancelled", texts: texts, stores: context.stores, now: context.now) { request, chat in
            try context.request(request, chatID: chat)
        }
    }

    /// Replaces the text of sent offer messages (and drops their buttons) with `key`; an offer whose
    /// message has not gone out yet keeps it, and its buttons are refused as late.
    static func editOffers(_ offers: [OverflowOffer], of order: OverflowOrder, key: String, texts: LanguagePack, stores: BotStores, now: Date,
                           _ write: (BotRequest, Int64) throws -> Void) throws {
        for offer in offers {
            guard let replyID = offer.replyID, let messageID = try stores.replies.sentMessageID(ofReply: replyID) else { continue }
            let language = try stores.preferences.chosenLanguage(of: offer.userID) ?? .indonesian
            try write(.editMessageText(chatID: offer.userID, messageID: messageID,
                                       text: texts.text(key, language, ["id": String(order.id), "what": HTML.escape(order.what)]),
                                       parseMode: .html, replyMarkup: nil), offer.userID)
        }
    }
}
