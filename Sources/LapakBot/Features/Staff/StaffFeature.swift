import Foundation
import LapakDatabase
import LapakLanguage
import Logging
import LapakRegistry
import TelegramBotAPI

/// Staff touches on the registry: notices of self-enrollments, owners' changes and links, /verifikasi,
/// verify and suspend buttons, link approvals.
struct StaffFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.verify, access: .staff) { context, _ in try listUnverified(context) }
        // s:v:ID verifies, s:s:ID suspends.
        router.button("s", access: .staff, arguments: 2...2) { context, press in
            guard ["v", "s"].contains(press.arguments[0]) else { throw StaleButton() }
            try staffButton(verify: press.arguments[0] == "v", id: try press.id(1), query: press.query, context)
        }
        // lk:y:REQUEST approves a link request, lk:n:REQUEST refuses it.
        router.button("lk", access: .staff, arguments: 2...2) { context, press in
            guard ["y", "n"].contains(press.arguments[0]) else { throw StaleButton() }
            try decideLinkRequest(try press.id(1), approve: press.arguments[0] == "y", context)
        }
    }

    /// Tells every staff member about a new self-enrolled business, with Verifikasi / Tangguhkan buttons.
    ///
    /// The notices are replies in the outbox: a staff member who never started the bot (403) gets a
    /// logged failure, never a failed enrollment.
    func notifyStaff(ofEnrollment business: Business, halalClaimed: Bool, _ context: BotContext) throws {
        let user = context.user
        for staffID in settings.staffIDs.sorted() {
            let language = try context.replyLanguage(of: staffID)
            let text = texts.text("staff_new_enrollment", language, [
                "name": HTML.escape(business.name), "id": HTML.escape(business.registryID),
                "category": HTML.escape(label(of: business.category, language)),
                "mode": texts.text(business.mode == .berkeliling ? "mode_mobile_button" : "mode_fixed_button", language),
                "kelurahan": HTML.escape(business.kelurahan.isEmpty ? "–" : business.kelurahan),
                "phone": HTML.escape(business.phone), "user": HTML.escape(user.firstName), "user_id": String(user.id),
                "halal": texts.text(halalClaimed ? "staff_halal_claimed" : "staff_halal_not_claimed", language),
            ])
            try context.send(text, toChat: staffID, keyboard: .inlineKeyboard(verificationKeyboard(business, language)))
        }
    }

    func verificationKeyboard(_ business: Business, _ language: Language) -> InlineKeyboardMarkup {
        InlineKeyboardMarkup(rows: [[
            InlineKeyboardButton(text: texts.text("verify_button", language), callbackData: "s:v:\(business.id)"),
            InlineKeyboardButton(text: texts.text("suspend_button", language), callbackData: "s:s:\(business.id)"),
        ]])
    }

    /// /verifikasi: the unverified self-enrollments, oldest first, each with its buttons.
    func listUnverified(_ context: BotContext) throws {
        let language = context.language
        let (page, total) = try context.registry.unverified(limit: 10)
        guard !page.isEmpty else { return try send(texts.text("nothing_to_verify", language), to: context) }
        try send(texts.text("unverified_header", language, ["shown": String(page.count), "total": String(total)]), to: context)
        for business in page {
            try send(try bot.myBusiness.card(of: business, language, context), to: context, keyboard: .inlineKeyboard(verificationKeyboard(business, language)))
        }
    }

    /// `s:v:ID` verifies, `s:s:ID` suspends; staff only, and the notice is updated so other staff see it was done.
    func staffButton(verify: Bool, id: Int64, query: CallbackQuery, _ context: BotContext) throws {
        guard let business = try context.registry.business(id: id), business.status != .inactive else { throw StaleButton() }
        let language = context.language
        if verify {
            try context.registry.setVerified(true, ofBusiness: id, now: context.now)
            if business.status == .suspended { try context.registry.setStatus(.active, ofBusiness: id, at: context.now) }
        } else {
            try context.registry.setStatus(.suspended, ofBusiness: id, at: context.now)
        }
        logger.info(verify ? "Business verified" : "Business suspended", metadata: ["business": "\(business.registryID)", "staff_id": "\(context.user.id)"])
        let outcome = texts.text(verify ? "staff_verified" : "staff_suspended", language, ["name": HTML.escape(business.name),
                                                                                          "staff": HTML.escape(context.user.firstName)])
        try context.answer(HTML.plain(outcome))
        try context.editPressedKeyboard(InlineKeyboardMarkup(rows: [[
            InlineKeyboardButton(text: texts.text(verify ? "suspend_button" : "verify_button", language), callbackData: "s:\(verify ? "s" : "v"):\(id)"),
        ]]))
        try send(outcome, to: context)
        // The owner hears of a suspension, so a vendor is never silently hidden.
        if !verify, let owner = business.ownerTelegramID {
            let ownerLanguage = try context.replyLanguage(of: owner)
            try context.send(texts.text("owner_suspended", ownerLanguage, ["name": HTML.escape(business.name)]), toChat: owner)
        }
    }
}
