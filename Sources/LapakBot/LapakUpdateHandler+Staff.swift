import Foundation
import LapakDatabase
import Logging
import LapakRegistry
import TelegramBotAPI

/// Staff touches on the registry: notices of self-enrollments, /verifikasi, verify and suspend buttons.
extension LapakUpdateHandler {
    /// Tells every staff member about a new self-enrolled business, with Verifikasi / Tangguhkan buttons.
    ///
    /// A staff member who never started the bot (403) or a failing call must not fail the vendor's
    /// enrollment, which is already saved: failures are logged.
    func notifyStaff(ofEnrollment business: Business, halalClaimed: Bool, by user: User) async {
        for staffID in settings.staffIDs.sorted() {
            let language = await preferences.replyLanguage(of: staffID)
            let text = texts.text("staff_new_enrollment", language, [
                "name": HTML.escape(business.name), "id": HTML.escape(business.registryID),
                "category": HTML.escape(label(of: business.category, language)),
                "mode": texts.text(business.mode == .berkeliling ? "mode_mobile_button" : "mode_fixed_button", language),
                "kelurahan": HTML.escape(business.kelurahan.isEmpty ? "–" : business.kelurahan),
                "phone": HTML.escape(business.phone), "user": HTML.escape(user.firstName), "user_id": String(user.id),
                "halal": texts.text(halalClaimed ? "staff_halal_claimed" : "staff_halal_not_claimed", language),
            ])
            do {
                try await client.sendMessage(chatID: staffID, text: text, parseMode: .html,
                                             replyMarkup: .inlineKeyboard(verificationKeyboard(business, language)))
            } catch {
                logger.warning("Could not tell staff about an enrollment", metadata: ["staff_id": "\(staffID)", "error": "\(error)"])
            }
        }
    }

    func verificationKeyboard(_ business: Business, _ language: Language) -> InlineKeyboardMarkup {
        InlineKeyboardMarkup(rows: [[
            InlineKeyboardButton(text: texts.text("verify_button", language), callbackData: "s:v:\(business.id)"),
            InlineKeyboardButton(text: texts.text("suspend_button", language), callbackData: "s:s:\(business.id)"),
        ]])
    }

    /// /verifikasi: the unverified self-enrollments, oldest first, each with its buttons.
    func listUnverified(_ context: ReplyContext) async throws {
        let language = context.language
        guard isStaff(context.user) else { return try await send(texts.text("staff_only", language), to: context) }
        let (page, total) = try await registry.unverified(limit: 10)
        guard !page.isEmpty else { return try await send(texts.text("nothing_to_verify", language), to: context) }
        try await send(texts.text("unverified_header", language, ["shown": String(page.count), "total": String(total)]), to: context)
        for business in page {
            try await send(try await card(of: business, language), to: context, keyboard: .inlineKeyboard(verificationKeyboard(business, language)))
        }
    }

    /// `s:v:ID` verifies, `s:s:ID` suspends; staff only, and the notice is updated so other staff see it was done.
    func staffButton(verify: Bool, id: Int64, query: CallbackQuery, _ context: ReplyContext) async throws {
        guard isStaff(context.user), let business = try await registry.business(id: id), business.status != .inactive else { throw StaleButton() }
        let language = context.language
        if verify {
            try await registry.setVerified(true, ofBusiness: id, now: now())
            if business.status == .suspended { try await registry.setStatus(.active, ofBusiness: id, at: now()) }
        } else {
            try await registry.setStatus(.suspended, ofBusiness: id, at: now())
        }
        logger.info(verify ? "Business verified" : "Business suspended", metadata: ["business": "\(business.registryID)", "staff_id": "\(context.user.id)"])
        let outcome = texts.text(verify ? "staff_verified" : "staff_suspended", language, ["name": HTML.escape(business.name),
                                                                                          "staff": HTML.escape(context.user.firstName)])
        try await client.answerCallbackQuery(query.id, text: HTML.plain(outcome))
        if let message = query.message {
            try? await client.editMessageReplyMarkup(chatID: context.chatID, messageID: message.messageID,
                                                     replyMarkup: InlineKeyboardMarkup(rows: [[
                                                         InlineKeyboardButton(text: texts.text(verify ? "suspend_button" : "verify_button", language),
                                                                              callbackData: "s:\(verify ? "s" : "v"):\(id)"),
                                                     ]]))
        }
        try await send(outcome, to: context)
        // The owner hears of a suspension, so a vendor is never silently hidden.
        if !verify, let owner = business.ownerTelegramID {
            let ownerLanguage = await preferences.replyLanguage(of: owner)
            do {
                try await client.sendMessage(chatID: owner, text: texts.text("owner_suspended", ownerLanguage, ["name": HTML.escape(business.name)]),
                                             parseMode: .html)
            } catch {
                logger.warning("Could not tell the owner of a suspension", metadata: ["business": "\(business.registryID)", "error": "\(error)"])
            }
        }
    }
}
