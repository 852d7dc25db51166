import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// Consent: the senior and the beginner each accept or decline; contacts only after both accept.
extension ApprenticeshipFeature {
    /// Stores the proposal and asks both owners, each in their language, with Terima / Tolak.
    func propose(_ beginner: Business, to mentor: Business, weeks: Int, _ context: BotContext) throws {
        let language = context.language
        guard try checkMentor(mentor, context), let beginnerOwner = beginner.ownerTelegramID, let mentorOwner = mentor.ownerTelegramID else {
            return
        }
        let apprenticeship: Apprenticeship
        do {
            apprenticeship = try context.registry.proposeApprenticeship(beginner: beginner.id, mentor: mentor.id, weeks: weeks,
                                                                        by: context.user.id, now: context.now)
        } catch is CoachingRoleError {
            // Another staff member paired one of them meanwhile.
            return try send(texts.text("apprenticeship_already_open", language, ["name": HTML.escape(beginner.name)]), to: context)
        }
        let distance = try context.registry.matchingPosition(of: beginner).flatMap { from in
            try context.registry.matchingPosition(of: mentor).map { from.distance(to: $0) }
        }
        let registeredAt = try context.registry.registeredAt(ofBusiness: mentor.id) ?? context.now
        for (side, owner) in [(ApprenticeshipSide.mentor, mentorOwner), (.beginner, beginnerOwner)] {
            let ownerLanguage = try context.replyLanguage(of: owner)
            let text = texts.text(side == .mentor ? "apprenticeship_request_mentor" : "apprenticeship_request_beginner", ownerLanguage, [
                "beginner": HTML.escape(beginner.name), "mentor": HTML.escape(mentor.name),
                "category": HTML.escape(label(of: beginner.category, ownerLanguage)),
                "kelurahan": HTML.escape(beginner.kelurahan.isEmpty ? "–" : beginner.kelurahan),
                "distance": distance.map { DistanceFormat.string(metres: $0, decimalComma: ownerLanguage == .indonesian) } ?? "–",
                "years": years(since: registeredAt, context), "weeks": String(weeks),
            ])
            try context.send(text, toChat: owner, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                InlineKeyboardButton(text: texts.text("accept_button", ownerLanguage), callbackData: "ap:y:\(apprenticeship.id)"),
                InlineKeyboardButton(text: texts.text("decline_button", ownerLanguage), callbackData: "ap:n:\(apprenticeship.id)"),
            ]])))
        }
        logger.info("Apprenticeship proposed", metadata: ["apprenticeship": "\(apprenticeship.id)", "beginner": "\(beginner.registryID)",
                                                          "mentor": "\(mentor.registryID)", "staff_id": "\(context.user.id)"])
        try send(texts.text("apprenticeship_proposed_staff", language, [
            "id": String(apprenticeship.id), "beginner": HTML.escape(beginner.name), "mentor": HTML.escape(mentor.name),
        ]), to: context)
    }

    /// Whether a senior can take this apprentice now; says why not to staff.
    private func checkMentor(_ mentor: Business, _ context: BotContext) throws -> Bool {
        guard mentor.ownerTelegramID != nil, try context.registry.mentorRoom(mentor.id) > 0 else {
            try send(texts.text("apprenticeship_mentor_full", context.language, ["name": HTML.escape(mentor.name)]), to: context)
            return false
        }
        return true
    }

    /// The side of `apprenticeship` that `userID` answers for: the owner of the beginner or of the mentor
    /// whose answer is still awaited. Anyone else (a forged press) gets nil.
    func side(of apprenticeship: Apprenticeship, for userID: Int64, _ context: BotContext, pendingOnly: Bool = false) throws -> ApprenticeshipSide? {
        let sides = try ApprenticeshipSide.allCases.filter { side in
            try context.registry.business(id: apprenticeship.business(on: side))?.ownerTelegramID == userID
        }
        guard pendingOnly else { return sides.first }
        return sides.first { side in !(side == .beginner ? apprenticeship.beginnerAccepted : apprenticeship.mentorAccepted) } ?? sides.first
    }

    /// `ap:y:ID` / `ap:n:ID`: one side answers. Both accepted → active, contacts to both, staff told.
    func answerProposal(_ id: Int64, accept: Bool, _ context: BotContext) throws {
        guard let apprenticeship = try context.registry.apprenticeship(id),
              let side = try side(of: apprenticeship, for: context.user.id, context, pendingOnly: true) else { throw StaleButton() }
        let outcome = try context.registry.answerApprenticeship(id, side: side, accept: accept, username: context.user.username, now: context.now)
        guard let beginner = try context.registry.business(id: apprenticeship.beginnerID),
              let mentor = try context.registry.business(id: apprenticeship.mentorID) else { throw StaleButton() }
        let names = ["beginner": HTML.escape(beginner.name), "mentor": HTML.escape(mentor.name)]
        switch outcome {
        case .notPending:
            throw StaleButton()
        case .waitingForOther:
            try context.answer()
            try context.editPressedKeyboard(nil)
            try send(texts.text("apprenticeship_accepted_waiting", context.language), to: context)
        case .declined:
            try context.answer()
            try context.editPressedKeyboard(nil)
            try send(texts.text("apprenticeship_declined_you", context.language), to: context)
            let who = side == .beginner ? beginner : mentor
            let other = side == .beginner ? mentor : beginner
            var told = Set<Int64>([context.user.id])
            for recipient in [other.ownerTelegramID, apprenticeship.proposedBy].compactMap({ $0 }) where told.insert(recipient).inserted {
                let language = try context.replyLanguage(of: recipient)
                try context.send(texts.text("apprenticeship_declined", language, names.merging(["who": HTML.escape(who.name)]) { $1 }), toChat: recipient)
            }
            logger.info("Apprenticeship declined", metadata: ["apprenticeship": "\(id)", "side": "\(side.rawValue)"])
        case .activated(let active):
            try context.answer()
            try context.editPressedKeyboard(nil)
            try exchangeContacts(active, beginner: beginner, mentor: mentor, context)
        }
    }

    /// Both accepted: each side gets the other's Telegram profile and phone; staff hear it started.
    private func exchangeContacts(_ apprenticeship: Apprenticeship, beginner: Business, mentor: Business, _ context: BotContext) throws {
        let dates = ["start": day(apprenticeship.startsAt), "end": day(apprenticeship.endsAt)]
        for side in ApprenticeshipSide.allCases {
            let own = side == .beginner ? beginner : mentor
            let other = side == .beginner ? mentor : beginner
            guard let owner = own.ownerTelegramID, let otherOwner = other.ownerTelegramID else { continue }
            let language = try context.replyLanguage(of: owner)
            let username = side == .beginner ? apprenticeship.mentorUsername : apprenticeship.beginnerUsername
            try context.send(texts.text("apprenticeship_active", language, dates.merging([
                "beginner": HTML.escape(beginner.name), "mentor": HTML.escape(mentor.name), "other": HTML.escape(other.name),
                "telegram": telegramContact(userID: otherOwner, name: other.name, username: username, language),
                "phone": HTML.escape(other.phone.isEmpty ? "–" : other.phone),
            ]) { $1 }), toChat: owner)
        }
        let staff = apprenticeship.proposedBy
        try context.send(texts.text("apprenticeship_active_staff", try context.replyLanguage(of: staff), dates.merging([
            "id": String(apprenticeship.id), "beginner": HTML.escape(beginner.name), "mentor": HTML.escape(mentor.name),
        ]) { $1 }), toChat: staff)
        logger.info("Apprenticeship active", metadata: ["apprenticeship": "\(apprenticeship.id)"])
    }

    /// A link to someone's Telegram profile, with their @username when known.
    func telegramContact(userID: Int64, name: String, username: String?, _ language: Language) -> String {
        texts.text("telegram_contact", language, ["user_id": String(userID), "name": HTML.escape(name),
                                                  "username": username.map { " @" + HTML.escape($0) } ?? ""])
    }
}
