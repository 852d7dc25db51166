import Foundation
import LapakDatabase
import LapakLanguage
import Logging
import LapakRegistry
import TelegramBotAPI

/// /daftar: a vendor enrolls a business in seven steps, each stored in SQLite so a restart resumes it.
struct EnrollmentFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.register, access: .anyone) { context, _ in
            try startEnrollment(state: try context.dialogState(), context)
        }
        router.intent(.register, runs: .register)
        router.dialog(.enrolling, DialogRoute(
            holdsAnswers: true, continuedBy: [.register], cancelledKey: "enrollment_cancelled",
            text: { context, state, text in
                guard case .enrolling(let draft) = state else { return false }
                try enrollment(draft, receivedText: text, context)
                return true
            },
            location: { context, state, location, _ in
                guard case .enrolling(let draft) = state, draft.step == .location else { return false }
                try enrollment(draft, receivedLocation: location, context)
                return true
            },
            contact: { context, state, phone in
                // At the phone step, and after a typed number of a registered business (the explanation
                // asks for exactly this contact).
                guard case .enrolling(let draft) = state, draft.step == .phone || (draft.step == .offeringLink && !draft.phoneFromContact)
                else { return false }
                try enrollment(draft, receivedPhone: phone, fromContact: true, context)
                return true
            },
            askAgain: { context, state in
                if case .enrolling(let draft) = state { try ask(draft, context) }
            }))
        // e:OPERATION[:ARGUMENT]: a step of the user's own enrollment, valid only at the step that showed it.
        router.button("e", access: .anyone, arguments: 1...2) { context, press in
            let state = try context.dialogState()
            try enrollmentButton(press.arguments[0], press.argument(1), query: press.query, state: state, context)
        }
    }

    /// Starts an enrollment, or resumes the one in progress.
    func startEnrollment(state: DialogState?, _ context: BotContext) throws {
        if case .enrolling(let draft) = state {
            try send(texts.text("enrollment_resumed", context.language), to: context)
            return try ask(draft, context)
        }
        let draft = EnrollmentDraft()
        try save(draft, context)
        try send(texts.text("enrollment_intro", context.language), to: context)
        try ask(draft, context)
    }

    // MARK: - Steps

    func save(_ draft: EnrollmentDraft, _ context: BotContext) throws {
        try context.setDialogState(DialogState.enrolling(draft))
    }

    /// Asks the draft's current step with the keyboard that answers it.
    func ask(_ draft: EnrollmentDraft, _ context: BotContext) throws {
        let language = context.language
        let cancelRow = [KeyboardButton(text: texts.text("cancel_button", language))]
        switch draft.step {
        case .name:
            try send(texts.text("ask_business_name", language), to: context,
                           keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [cancelRow], resizeKeyboard: true)))
        case .category:
            try send(texts.text("ask_business_category", language, ["name": HTML.escape(draft.name ?? "")]), to: context,
                           keyboard: .inlineKeyboard(categoryKeyboard(page: 0, language, prefix: "e:")))
        case .mode:
            try send(texts.text("ask_business_mode", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                InlineKeyboardButton(text: texts.text("mode_fixed_button", language), callbackData: "e:m:menetap"),
                InlineKeyboardButton(text: texts.text("mode_mobile_button", language), callbackData: "e:m:berkeliling"),
            ]])))
        case .location:
            var rows = [[KeyboardButton(text: texts.text("send_business_location_button", language), requestLocation: true)]]
            if draft.mode == .berkeliling { rows.append([KeyboardButton(text: texts.text("skip_button", language))]) }
            rows.append(cancelRow)
            try send(texts.text(draft.mode == .berkeliling ? "ask_home_base" : "ask_shop_location", language), to: context,
                           keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: rows, resizeKeyboard: true)))
        case .phone:
            try send(texts.text("ask_phone", language), to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                [KeyboardButton(text: texts.text("send_my_number_button", language), requestContact: true)], cancelRow,
            ], resizeKeyboard: true)))
        case .halal:
            try send(texts.text("ask_halal", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                InlineKeyboardButton(text: texts.text("halal_yes_button", language), callbackData: "e:h:yes"),
                InlineKeyboardButton(text: texts.text("halal_no_button", language), callbackData: "e:h:no"),
                InlineKeyboardButton(text: texts.text("halal_unknown_button", language), callbackData: "e:h:unknown"),
            ]])))
        case .review:
            // The reply keyboard of the earlier steps goes; the summary carries its own buttons.
            try send(texts.text("enrollment_almost_done", language), to: context, keyboard: mainKeyboard(language))
            try send(summary(of: draft, language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                InlineKeyboardButton(text: texts.text("save_button", language), callbackData: "e:save"),
                InlineKeyboardButton(text: texts.text("change_button", language), callbackData: "e:edit"),
                InlineKeyboardButton(text: texts.text("cancel_inline_button", language), callbackData: "e:cancel"),
            ]])))
        case .choosingField:
            let fields: [(EditableField, String)] = [(.name, "field_name"), (.category, "field_category"), (.mode, "field_mode"),
                                                     (.location, "field_location"), (.phone, "field_phone"), (.halal, "field_halal")]
            let buttons = fields.map { InlineKeyboardButton(text: texts.text($0.1, language), callbackData: "e:f:\($0.0.rawValue)") }
            try send(texts.text("choose_field", language), to: context,
                           keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [Array(buttons[0..<3]), Array(buttons[3..<6])])))
        case .confirmingDuplicate:
            let existing = try possibleDuplicates(of: draft, context)
            try send(texts.text("duplicate_found", language, ["names": existing.map { "• <b>\(HTML.escape($0.name))</b>" }
                                                                        .joined(separator: "\n")]), to: context,
                           keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                               InlineKeyboardButton(text: texts.text("save_anyway_button", language), callbackData: "e:dup"),
                               InlineKeyboardButton(text: texts.text("cancel_inline_button", language), callbackData: "e:cancel"),
                           ]])))
        case .offeringLink:
            var candidates: [Business] = []
            for id in draft.linkCandidates { if let business = try context.registry.business(id: id) { candidates.append(business) } }
            if draft.phoneFromContact {
                try offerLink(candidates, prefix: "e:", context)
            } else {
                try explainTypedPhone(draft.phone ?? "", candidates, context)
            }
        }
    }

    /// A typed number of a registered business: why it does not link, and the two ways that do.
    ///
    /// Search results show every business's phone, so a typed number proves nothing. The user's own
    /// contact (the reply keyboard's button) or staff approval (the inline buttons) link it.
    func explainTypedPhone(_ phone: String, _ candidates: [Business], _ context: BotContext) throws {
        let language = context.language
        try send(texts.text("typed_phone_registered", language, ["phone": HTML.escape(phone), "list": list(of: candidates, language)]),
                 to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                     [KeyboardButton(text: texts.text("send_my_number_button", language), requestContact: true)],
                     [KeyboardButton(text: texts.text("cancel_button", language))],
                 ], resizeKeyboard: true)))
        var rows = candidates.map { business in
            [InlineKeyboardButton(text: texts.text("ask_staff_link_button", language, ["name": business.name]), callbackData: "e:r:\(business.id)")]
        }
        rows.append([InlineKeyboardButton(text: texts.text("register_new_instead_button", language), callbackData: "e:l:none")])
        try send(texts.text("typed_phone_choices", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    /// Businesses as a bulleted list: name, kind and kelurahan.
    func list(of businesses: [Business], _ language: Language) -> String {
        businesses.map { business in
            "• <b>\(HTML.escape(business.name))</b> (\(HTML.escape(label(of: business.category, language))), \(HTML.escape(business.kelurahan.isEmpty ? "Bontang" : business.kelurahan)))"
        }.joined(separator: "\n")
    }

    /// "Is this your business?" with a button per imported business and one for "none of these".
    func offerLink(_ candidates: [Business], prefix: String, _ context: BotContext) throws {
        let language = context.language
        var rows = candidates.map { business in
            [InlineKeyboardButton(text: texts.text("this_is_mine_button", language, ["name": business.name]), callbackData: "\(prefix)l:\(business.id)")]
        }
        rows.append([InlineKeyboardButton(text: texts.text("not_mine_button", language), callbackData: "\(prefix)l:none")])
        try send(texts.text("is_this_yours", language, ["list": list(of: candidates, language)]), to: context,
                 keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    func enrollment(_ draft: EnrollmentDraft, receivedText text: String, _ context: BotContext) throws {
        var draft = draft
        let language = context.language
        switch draft.step {
        case .name:
            switch VendorInput.businessName(text) {
            case .failure(let problem):
                return try send(texts.text(problem.rawValue, language), to: context)
            case .success(let name):
                draft.name = name
            }
        case .category:
            guard let slug = matcher.understand(text).category else {
                try send(texts.text("category_not_understood", language, ["text": HTML.escape(String(text.prefix(60)))]), to: context)
                return try ask(draft, context)
            }
            draft.category = slug
            // A typed kind is a guess from free text: say at once what was understood, so a wrong guess is seen now.
            let name = bot.taxonomy.category(slug).map { language == .english ? $0.englishName : $0.indonesianName } ?? slug
            try send(texts.text("category_confirmed", language, ["category": HTML.escape(name)]), to: context)
        case .mode:
            guard let mode = OperatingMode(spelling: text) else { return try ask(draft, context) }
            draft.mode = mode
        case .location:
            guard draft.mode == .berkeliling, matchesAnyLanguage(text, "skip_button") else {
                try send(texts.text(draft.mode == .berkeliling ? "location_or_skip" : "location_required", language), to: context)
                return
            }
            draft.location = nil
        case .phone:
            guard let phone = PhoneNumber.normalise(text) else {
                return try send(texts.text("phone_invalid", language, ["text": HTML.escape(String(text.prefix(40)))]), to: context)
            }
            return try enrollment(draft, receivedPhone: phone, fromContact: false, context)
        case .halal:
            guard let answer = HalalAnswer(typed: text) else { return try ask(draft, context) }
            draft.halal = answer
        case .review, .choosingField, .confirmingDuplicate, .offeringLink:
            try send(texts.text("use_the_buttons", language), to: context)
            return try ask(draft, context)
        }
        try advance(&draft, context)
    }

    func enrollment(_ draft: EnrollmentDraft, receivedLocation location: GeoPoint, _ context: BotContext) throws {
        guard settings.region.contains(location) else {
            return try send(texts.text("location_outside_region", context.language), to: context)
        }
        var draft = draft
        draft.location = location
        try advance(&draft, context)
    }

    /// A phone number for the draft. Registered businesses with it and no owner come first: after the
    /// user's own contact they are offered for linking, after a typed number the ways to link are explained.
    func enrollment(_ draft: EnrollmentDraft, receivedPhone phone: String, fromContact: Bool, _ context: BotContext) throws {
        var draft = draft
        draft.phone = phone
        draft.phoneFromContact = fromContact
        draft.linkCandidates = []
        let unowned = try context.registry.businesses(phone: phone).filter { $0.ownerTelegramID == nil }
        if !unowned.isEmpty && !draft.returnToReview {
            draft.linkCandidates = unowned.prefix(5).map(\.id)
            draft.step = .offeringLink
            try save(draft, context)
            return try ask(draft, context)
        }
        try advance(&draft, context)
    }

    func advance(_ draft: inout EnrollmentDraft, _ context: BotContext) throws {
        draft.advance()
        try save(draft, context)
        try ask(draft, context)
    }

    private func matchesAnyLanguage(_ text: String, _ key: String) -> Bool {
        let folded = text.trimmingCharacters(in: .whitespaces).lowercased()
        return Language.allCases.contains { texts.text(key, $0).lowercased() == folded }
            || ["lewati", "skip", "lewat", "tidak ada", "none"].contains(folded)
    }
}


extension EditableField {
    /// The enrollment step that asks this field.
    var enrollmentStep: EnrollmentDraft.Step {
        switch self {
        case .name: return .name
        case .category: return .category
        case .phone: return .phone
        case .location: return .location
        case .halal: return .halal
        case .mode: return .mode
        }
    }
}

extension HalalAnswer {
    /// "ya", "tidak", "belum tahu" (and English) as typed.
    init?(typed text: String) {
        switch text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() {
        case "ya", "iya", "yes", "sudah", "ada", "✅ ya", "y": self = .yes
        case "tidak", "tdk", "no", "belum", "bukan", "n", "❌ tidak": self = .no
        case "belum tahu", "tidak tahu", "gak tahu", "ga tau", "don't know", "not sure", "unknown": self = .unknown
        default: return nil
        }
    }
}
