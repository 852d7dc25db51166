import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// A vendor's place in the coaching programme, from /usahaku (🤝 Pembinaan) and right after /daftar.
extension ApprenticeshipFeature {
    /// The role buttons of one business: beginner, mentor (then a capacity), leave, later.
    func roleKeyboard(_ business: Business, _ language: Language, withLater: Bool = false) -> InlineKeyboardMarkup {
        var rows = [
            [InlineKeyboardButton(text: texts.text("coaching_beginner_button", language), callbackData: "cr:\(business.id):b")],
            [InlineKeyboardButton(text: texts.text("coaching_mentor_button", language), callbackData: "cr:\(business.id):m")],
        ]
        rows.append([InlineKeyboardButton(text: texts.text(withLater ? "coaching_later_button" : "coaching_leave_button", language),
                                          callbackData: "cr:\(business.id):\(withLater ? "later" : "x")")])
        return InlineKeyboardMarkup(rows: rows)
    }

    /// After /daftar saved a business: the offer to take part, with the same buttons.
    func offerAfterEnrollment(_ business: Business, _ context: BotContext) throws {
        try send(texts.text("coaching_after_enrollment", context.language), to: context,
                 keyboard: .inlineKeyboard(roleKeyboard(business, context.language, withLater: true)))
    }

    /// `cr:ID:menu|b|m|m:N|x|later`, for the owner (or staff).
    func roleButton(_ business: Business, operation: String, argument: String?, _ context: BotContext) throws {
        let language = context.language
        let name = ["name": HTML.escape(business.name)]
        switch (operation, argument) {
        case ("menu", nil):
            try context.answer()
            let current: String
            switch try context.registry.coachingProfile(ofBusiness: business.id) {
            case nil: current = texts.text("coaching_current_none", language)
            case let profile? where profile.role == .beginner: current = texts.text("coaching_current_beginner", language)
            case let profile?: current = texts.text("coaching_current_mentor", language, ["capacity": String(profile.capacity)])
            }
            try send(texts.text("coaching_menu", language, name.merging(["current": current]) { $1 }), to: context,
                     keyboard: .inlineKeyboard(roleKeyboard(business, language)))
        case ("b", nil):
            try context.registry.setCoachingRole(.beginner, ofBusiness: business.id, now: context.now)
            try context.answer()
            try context.editPressedKeyboard(nil)
            try send(texts.text("coaching_saved_beginner", language, name), to: context)
            logger.info("Coaching role set", metadata: ["business": "\(business.registryID)", "role": "beginner"])
        case ("m", nil):
            try context.answer()
            // 1-20 as buttons: every answer is a valid one, nothing to mistype.
            let numbers = Array(CoachingRoleError.capacityRange)
            let rows = stride(from: 0, to: numbers.count, by: 5).map { start in
                numbers[start..<min(start + 5, numbers.count)].map {
                    InlineKeyboardButton(text: String($0), callbackData: "cr:\(business.id):m:\($0)")
                }
            }
            try context.editPressedKeyboard(nil)
            try send(texts.text("coaching_ask_capacity", language, name), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
        case ("m", let value?):
            guard let capacity = Int(value), CoachingRoleError.capacityRange.contains(capacity) else { throw StaleButton() }
            try context.registry.setCoachingRole(.mentor, capacity: capacity, ofBusiness: business.id, now: context.now)
            try context.answer()
            try context.editPressedKeyboard(nil)
            try send(texts.text("coaching_saved_mentor", language, name.merging(["capacity": String(capacity)]) { $1 }), to: context)
            logger.info("Coaching role set", metadata: ["business": "\(business.registryID)", "role": "mentor", "capacity": "\(capacity)"])
        case ("x", nil):
            try context.registry.clearCoachingRole(ofBusiness: business.id)
            try context.answer()
            try context.editPressedKeyboard(nil)
            try send(texts.text("coaching_left", language, name), to: context)
        case ("later", nil):
            try context.answer()
            try context.editPressedKeyboard(nil)
        default:
            throw StaleButton()
        }
    }
}
