import Foundation
import LapakBroadcast
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// The buttons of /daftar and the end of it: saving, telling staff, the summary.
extension EnrollmentFeature {

    /// An enrollment button, valid only at the step that showed it.
    func enrollmentButton(_ operation: String, _ argument: String?, query: CallbackQuery, state: DialogState?, _ context: BotContext) throws {
        guard case .enrolling(var draft) = state else { throw StaleButton() }
        let language = context.language
        switch (operation, draft.step) {
        case ("c", .category):
            guard let page = argument.flatMap(Int.init), query.message != nil else { throw StaleButton() }
            try context.answer()
            try context.editPressedKeyboard(categoryKeyboard(page: page, language, prefix: "e:"))
            return
        case ("k", .category):
            guard let slug = argument, bot.taxonomy.category(slug) != nil else { throw StaleButton() }
            draft.category = slug
        case ("m", .mode):
            guard let mode = argument.flatMap(OperatingMode.init(rawValue:)) else { throw StaleButton() }
            draft.mode = mode
        case ("h", .halal):
            guard let answer = argument.flatMap(HalalAnswer.init(rawValue:)) else { throw StaleButton() }
            draft.halal = answer
        case ("save", .review):
            let existing = try possibleDuplicates(of: draft, context)
            if !existing.isEmpty {
                draft.step = .confirmingDuplicate
                try context.answer()
                try save(draft, context)
                return try ask(draft, context)
            }
            try context.answer()
            return try finishEnrollment(draft, query: query, context)
        case ("dup", .confirmingDuplicate):
            try context.answer()
            return try finishEnrollment(draft, query: query, context)
        case ("edit", .review):
            draft.step = .choosingField
            try context.answer()
            try save(draft, context)
            return try ask(draft, context)
        case ("f", .choosingField):
            guard let field = argument.flatMap(EditableField.init(rawValue:)) else { throw StaleButton() }
            draft.step = field.enrollmentStep
            draft.returnToReview = true
            try context.answer()
            try save(draft, context)
            return try ask(draft, context)
        case ("cancel", _):
            try context.answer()
            try context.setDialogState(nil)
            return try send(texts.text("enrollment_cancelled", language), to: context, keyboard: mainKeyboard(language))
        case ("l", .offeringLink):
            if let id = argument.flatMap(Int64.init) {
                // Only a number Telegram vouched for links; a forged press after a typed number is stale.
                guard draft.phoneFromContact, draft.linkCandidates.contains(id), let phone = draft.phone else { throw StaleButton() }
                try context.answer()
                guard let linked = try context.registry.link(id, to: context.user.id, proof: .contact, phone: phone, now: context.now) else {
                    return try send(texts.text("link_failed", language), to: context)
                }
                try context.setDialogState(nil)
                try bot.staff.announceLink(of: linked, to: context.user, proof: .contact, approvedBy: nil, context)
                return try send(bot.myBusiness.linkedText([linked], language), to: context, keyboard: mainKeyboard(language))
            }
            guard argument == "none" else { throw StaleButton() }
            draft.linkCandidates = []
            draft.step = .phone
        case ("r", .offeringLink):
            guard !draft.phoneFromContact, let id = argument.flatMap(Int64.init), draft.linkCandidates.contains(id), let phone = draft.phone,
                  let business = try context.registry.business(id: id)
            else { throw StaleButton() }
            try context.answer()
            let (request, isNew) = try context.registry.requestLink(id, by: context.user.id, userName: context.user.firstName, phone: phone,
                                                                   now: context.now)
            try context.setDialogState(nil)
            if isNew { try bot.staff.askStaffToLink(business, request: request, context) }
            return try send(texts.text(isNew ? "link_request_sent" : "link_request_pending", language, ["name": HTML.escape(business.name)]),
                            to: context, keyboard: mainKeyboard(language))
        default:
            throw StaleButton()
        }
        try context.answer()
        try advance(&draft, context)
    }

    /// Saves the business, tells the vendor what citizens will see and tells staff.
    private func finishEnrollment(_ draft: EnrollmentDraft, query: CallbackQuery, _ context: BotContext) throws {
        guard let name = draft.name, let category = draft.category, let mode = draft.mode, let phone = draft.phone else {
            var incomplete = draft
            incomplete.step = .name
            try save(incomplete, context)
            return try ask(incomplete, context)
        }
        let kelurahan = draft.location.map { Kelurahan.nearest(to: $0).name } ?? ""
        let business = try context.registry.enroll(
            Business(registryID: "", name: name, category: category, mode: mode, location: draft.location, kelurahan: kelurahan,
                     phone: phone),
            owner: context.user.id, halalClaimed: draft.halal == .yes, now: context.now)
        try context.setDialogState(nil)
        logger.info("Business enrolled", metadata: ["business": "\(business.registryID)", "mode": "\(mode.rawValue)"])
        try context.editPressedKeyboard(nil)
        let key = mode == .menetap ? "enrolled_fixed" : "enrolled_mobile"
        try send(texts.text(key, context.language, ["name": HTML.escape(name), "id": business.registryID]), to: context,
                       keyboard: mainKeyboard(context.language))
        try bot.staff.notifyStaff(ofEnrollment: business, halalClaimed: draft.halal == .yes, context)
        try bot.apprenticeship.offerAfterEnrollment(business, context)
    }

    /// The draft as the vendor will confirm it.
    func summary(of draft: EnrollmentDraft, _ language: Language) -> String {
        let category = draft.category.flatMap(bot.taxonomy.category)
        let location: String
        if let point = draft.location {
            location = texts.text("location_near", language, ["kelurahan": HTML.escape(Kelurahan.nearest(to: point).name)])
        } else {
            location = texts.text("no_home_base", language)
        }
        return texts.text("enrollment_summary", language, [
            "name": HTML.escape(draft.name ?? "?"),
            "category": category.map { "\($0.emoji) \(HTML.escape(language == .english ? $0.englishName : $0.indonesianName))" } ?? "?",
            "mode": texts.text(draft.mode == .berkeliling ? "mode_mobile_button" : "mode_fixed_button", language),
            "location": location,
            "phone": HTML.escape(draft.phone ?? "?"),
            "halal": texts.text(draft.halal == .yes ? "halal_yes_button" : draft.halal == .no ? "halal_no_button" : "halal_unknown_button", language),
        ])
    }

    /// Businesses already registered with the draft's phone under a similar name: asked about before saving.
    func possibleDuplicates(of draft: EnrollmentDraft, _ context: BotContext) throws -> [Business] {
        try context.registry.businesses(phone: draft.phone ?? "").filter { VendorInput.similarNames($0.name, draft.name ?? "") }
    }
}
