import Foundation
import LapakDatabase
import LapakLanguage
import Logging
import LapakRegistry
import TelegramBotAPI

/// /usahaku: a vendor's businesses as cards with edit and delete buttons; linking imported records by phone.
struct MyBusinessFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.myBusiness, access: .anyone) { context, _ in try showMyBusinesses(context) }
        router.intent(.myBusiness, runs: .myBusiness)
        router.keyboardButton("my_business_button", runs: .myBusiness)
        router.contactRoute = { context, phone in try offerLinking(phone: phone, context) }
        router.dialog(.editing, DialogRoute(
            holdsAnswers: true,
            text: { context, state, text in
                guard case .editing(let businessID, let field) = state else { return false }
                try edit(businessID: businessID, field: field, text: text, context)
                return true
            },
            location: { context, state, location, _ in
                guard case .editing(let businessID, let field) = state, field == .location || field == .mode else { return false }
                try edit(businessID: businessID, location: location, context)
                return true
            },
            contact: { context, state, phone in
                guard case .editing(let businessID, .phone) = state else { return false }
                try edit(businessID: businessID, phone: phone, context)
                return true
            },
            askAgain: { context, state in
                if case .editing(let businessID, let field) = state { try askEdit(businessID: businessID, field: field, context) }
            }))
        // u:ID:OPERATION[:ARGUMENT]: a /usahaku edit, for the owner and staff; a suspended business may still be fixed.
        router.button("u", access: .owner, arguments: 2...3) { context, press in
            guard let business = press.business else { throw StaleButton() }
            try manageButton(business, operation: press.arguments[1], argument: press.argument(2), context)
        }
        // l:ID / l:none: "is this your business?" after a shared contact.
        router.button("l", access: .anyone) { context, press in
            try linkButton(press.arguments[0], state: try context.dialogState(), context)
        }
    }

    /// Sends one card per business the user owns, or explains how to enroll or link one.
    func showMyBusinesses(_ context: BotContext) throws {
        let language = context.language
        let owned = try context.registry.businesses(ownedBy: context.user.id)
        guard !owned.isEmpty else {
            return try send(texts.text("no_business_yet", language), to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                [KeyboardButton(text: texts.text("link_my_number_button", language), requestContact: true)],
                [KeyboardButton(text: texts.text("cancel_button", language))],
            ], resizeKeyboard: true, oneTimeKeyboard: true)))
        }
        for business in owned.prefix(10) {
            try send(try card(of: business, language, context), to: context, keyboard: .inlineKeyboard(cardKeyboard(business, language)))
        }
        // The business groups the vendor's businesses belong to, with the support given (issue 13).
        try bot.businessGroups.showVendorGroups(owned, context)
    }

    /// Everything a vendor needs to check about one business, and what citizens see today.
    func card(of business: Business, _ language: Language, _ context: BotContext) throws -> String {
        let moment = context.now
        let view = resultsView(language, context)
        let category = bot.taxonomy.category(business.category)
        var today: String
        switch (business.status, business.mode) {
        case (.suspended, _), (.inactive, _):
            today = texts.text("today_suspended", language)
        case (.active, .menetap):
            if let until = try context.registry.closedUntil(businessID: business.id, now: moment) {
                today = texts.text("today_closed", language, ["until": view.time(until)])
            } else {
                today = texts.text("today_open", language)
            }
        case (.active, .berkeliling):
            if let checkIn = try context.registry.activeCheckIn(businessID: business.id, now: moment) {
                today = texts.text("today_selling", language, ["kelurahan": HTML.escape(Kelurahan.nearest(to: checkIn.position).name),
                                                               "since": view.time(checkIn.startedAt), "until": view.time(checkIn.endsAt)])
            } else if try context.registry.checkedOutToday(businessID: business.id, now: moment) {
                today = texts.text("today_checked_out", language)
            } else {
                today = texts.text("today_not_selling", language)
            }
        }
        return texts.text("business_card", language, [
            "name": HTML.escape(business.name), "id": HTML.escape(business.registryID),
            "category": category.map { "\($0.emoji) \(HTML.escape(language == .english ? $0.englishName : $0.indonesianName))" } ?? HTML.escape(business.category),
            "mode": texts.text(business.mode == .berkeliling ? "mode_mobile_button" : "mode_fixed_button", language),
            "location": business.location.map { texts.text("location_near", language, ["kelurahan": HTML.escape(Kelurahan.nearest(to: $0).name)]) }
                ?? texts.text("no_home_base", language),
            "phone": HTML.escape(business.phone.isEmpty ? "–" : business.phone),
            "halal": texts.text(business.halal ? "halal_certified" : try context.registry.hasHalalClaim(business.id) ? "halal_claim_pending"
                                : "halal_no_button", language),
            "verified": texts.text(business.verified ? "verified_mark" : "unverified_mark", language),
            "today": today,
        ])
    }

    func cardKeyboard(_ business: Business, _ language: Language) -> InlineKeyboardMarkup {
        func button(_ key: String, _ operation: String) -> InlineKeyboardButton {
            InlineKeyboardButton(text: texts.text(key, language), callbackData: "u:\(business.id):\(operation)")
        }
        var rows = [
            [button("field_name", "name"), button("field_category", "category"), button("field_phone", "phone")],
            [button("field_location", "location"), button("field_halal", "halal"), button("field_mode", "mode")],
            [button("delete_button", "delete"),
             InlineKeyboardButton(text: texts.text("coaching_button", language), callbackData: "cr:\(business.id):menu")],
        ]
        // A food business not certified yet may apply for the city's free halal certificate (issue 13).
        if bot.halalProgramme.offersApplication(business) {
            rows.insert([InlineKeyboardButton(text: texts.text("halal_apply_button", language), callbackData: "hp:\(business.id)")], at: 2)
        }
        return InlineKeyboardMarkup(rows: rows)
    }

    // MARK: - Edits

    /// A /usahaku button: `u:ID:operation[:argument]`, allowed to the owner and to staff.
    func manageButton(_ business: Business, operation: String, argument: String?, _ context: BotContext) throws {
        let id = business.id
        let language = context.language
        switch operation {
        case "name", "phone", "location":
            let field = EditableField(rawValue: operation)!
            try context.answer()
            try askEdit(businessID: id, field: field, context)
        case "category":
            try context.answer()
            try send(texts.text("ask_business_category", language, ["name": HTML.escape(business.name)]), to: context,
                           keyboard: .inlineKeyboard(categoryKeyboard(page: 0, language, prefix: "u:\(id):")))
        case "c":
            guard let page = argument.flatMap(Int.init) else { throw StaleButton() }
            try context.answer()
            try context.editPressedKeyboard(categoryKeyboard(page: page, language, prefix: "u:\(id):"))
        case "k":
            guard let slug = argument, bot.taxonomy.category(slug) != nil else { throw StaleButton() }
            var changed = business
            changed.category = slug
            try context.answer()
            try saved(changed, context)
        case "halal":
            try context.answer()
            if context.isStaff || business.halal {
                // Staff set the certificate; an owner may always take the mark off.
                try context.registry.certifyHalal(!business.halal, ofBusiness: id, now: context.now)
            } else {
                // An owner's "yes" is a claim until staff confirm it.
                try context.registry.setHalalClaim(!(try context.registry.hasHalalClaim(id)), ofBusiness: id, now: context.now)
            }
            guard let stored = try context.registry.business(id: id) else { throw StaleButton() }
            try send(texts.text("saved", language), to: context, keyboard: mainKeyboard(language))
            try send(try card(of: stored, language, context), to: context, keyboard: .inlineKeyboard(cardKeyboard(stored, language)))
        case "mode":
            var changed = business
            changed.mode = business.mode == .menetap ? .berkeliling : .menetap
            try context.answer()
            if changed.mode == .menetap && changed.location == nil {
                // A fixed shop is found at its address: the switch waits for one.
                return try askEdit(businessID: id, field: .mode, context)
            }
            try saved(changed, context)
        case "delete":
            try context.answer()
            try send(texts.text("confirm_delete", language, ["name": HTML.escape(business.name)]), to: context,
                           keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                               InlineKeyboardButton(text: texts.text("delete_confirm_button", language), callbackData: "u:\(id):deleteyes"),
                               InlineKeyboardButton(text: texts.text("keep_button", language), callbackData: "u:\(id):keep"),
                           ]])))
        case "deleteyes":
            try context.registry.setStatus(.inactive, ofBusiness: id, at: context.now)
            try context.answer()
            logger.info("Business deleted by its owner", metadata: ["business": "\(business.registryID)"])
            try context.editPressedKeyboard(nil)
            try send(texts.text("deleted", language, ["name": HTML.escape(business.name)]), to: context, keyboard: mainKeyboard(language))
        case "keep":
            try context.answer(texts.text("kept", language))
            try context.editPressedKeyboard(nil)
        default:
            throw StaleButton()
        }
    }

    /// Asks for the new value of a typed field (name, phone) or a location.
    func askEdit(businessID: Int64, field: EditableField, _ context: BotContext) throws {
        guard let business = try context.registry.business(id: businessID) else { return }
        try context.setDialogState(DialogState.editing(businessID: businessID, field: field))
        let language = context.language
        let cancelRow = [KeyboardButton(text: texts.text("cancel_button", language))]
        switch field {
        case .name:
            try send(texts.text("ask_new_name", language, ["name": HTML.escape(business.name)]), to: context,
                           keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [cancelRow], resizeKeyboard: true)))
        case .phone:
            try send(texts.text("ask_phone", language), to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                [KeyboardButton(text: texts.text("send_my_number_button", language), requestContact: true)], cancelRow,
            ], resizeKeyboard: true)))
        case .location, .mode:
            try send(texts.text(field == .mode ? "ask_shop_location_for_mode" : "ask_new_location", language, ["name": HTML.escape(business.name)]),
                           to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                               [KeyboardButton(text: texts.text("send_business_location_button", language), requestLocation: true)], cancelRow,
                           ], resizeKeyboard: true)))
        case .category, .halal:
            break  // chosen by buttons
        }
    }

    /// A typed answer to an edit.
    func edit(businessID: Int64, field: EditableField, text: String, _ context: BotContext) throws {
        let language = context.language
        guard var business = try editableBusiness(businessID, context) else { return }
        switch field {
        case .name:
            switch VendorInput.businessName(text) {
            case .failure(let problem): return try send(texts.text(problem.rawValue, language), to: context)
            case .success(let name): business.name = name
            }
        case .phone:
            guard let phone = PhoneNumber.normalise(text) else {
                return try send(texts.text("phone_invalid", language, ["text": HTML.escape(String(text.prefix(40)))]), to: context)
            }
            business.phone = phone
        case .location, .mode:
            return try send(texts.text("location_required", language), to: context)
        case .category, .halal:
            return
        }
        try saved(business, context)
    }

    func edit(businessID: Int64, location: GeoPoint, _ context: BotContext) throws {
        guard settings.region.contains(location) else {
            return try send(texts.text("location_outside_region", context.language), to: context)
        }
        guard var business = try editableBusiness(businessID, context) else { return }
        if case .editing(_, .mode) = try context.dialogState() { business.mode = .menetap }
        business.location = location
        business.kelurahan = Kelurahan.nearest(to: location).name
        try saved(business, context)
    }

    func edit(businessID: Int64, phone: String, _ context: BotContext) throws {
        guard var business = try editableBusiness(businessID, context) else { return }
        business.phone = phone
        try saved(business, context)
    }

    /// The business being edited, if the user still may edit it; otherwise the dialog ends with a reason.
    private func editableBusiness(_ id: Int64, _ context: BotContext) throws -> Business? {
        if let business = try context.registry.business(id: id), business.status != .inactive,
           business.ownerTelegramID == context.user.id || context.isStaff {
            return business
        }
        try context.setDialogState(nil)
        try send(texts.text("button_expired", context.language), to: context, keyboard: mainKeyboard(context.language))
        return nil
    }

    /// Stores a change, ends the edit dialog and shows the updated card.
    ///
    /// An owner's change to what the agency checked (name, kind, mode, shop location, phone) of a verified
    /// business sends it back to "waiting for verification", and staff get the change to check. Staff's own
    /// edits are checked already.
    private func saved(_ business: Business, _ context: BotContext) throws {
        var changed = business
        let before = try context.registry.business(id: business.id)
        let recheck = before.map { $0.verified && !context.isStaff && !StaffFeature.checkedFields($0, business).isEmpty } ?? false
        if recheck { changed.verified = false }
        let stored = try context.registry.update(changed, now: context.now)
        try context.setDialogState(nil)
        try send(texts.text(recheck ? "saved_needs_verification" : "saved", context.language), to: context,
                 keyboard: mainKeyboard(context.language))
        try send(try card(of: stored, context.language, context), to: context, keyboard: .inlineKeyboard(cardKeyboard(stored, context.language)))
        if recheck, let before {
            logger.info("A verified business changed by its owner waits for verification again", metadata: ["business": "\(stored.registryID)"])
            try bot.staff.notifyStaff(ofChange: before, to: stored, context)
        }
    }

    // MARK: - Linking imported records

    /// A shared phone number outside enrollment: offers the imported businesses with it that have no owner.
    func offerLinking(phone: String, _ context: BotContext) throws {
        let language = context.language
        let matching = try context.registry.businesses(phone: phone)
        let unowned = matching.filter { $0.ownerTelegramID == nil }
        guard !unowned.isEmpty else {
            let key = matching.contains { $0.ownerTelegramID == context.user.id } ? "already_linked" : "no_business_with_phone"
            return try send(texts.text(key, language, ["phone": HTML.escape(phone)]), to: context, keyboard: mainKeyboard(language))
        }
        try context.setDialogState(DialogState.linking(phone: phone, candidates: unowned.prefix(5).map(\.id)))
        try send(texts.text("phone_received", language), to: context, keyboard: mainKeyboard(language))
        try bot.enrollment.offerLink(Array(unowned.prefix(5)), prefix: "", context)
    }

    /// `l:ID` or `l:none` under "is this yours?", valid only for the candidates offered to this user.
    func linkButton(_ argument: String, state: DialogState?, _ context: BotContext) throws {
        guard case .linking(let phone, let candidates) = state else { throw StaleButton() }
        let language = context.language
        try context.answer()
        if argument == "none" {
            try context.setDialogState(nil)
            return try send(texts.text("not_linked", language), to: context, keyboard: mainKeyboard(language))
        }
        guard let id = Int64(argument), candidates.contains(id) else { throw StaleButton() }
        let linked = try context.registry.link(id, to: context.user.id, proof: .contact, phone: phone, now: context.now)
        let remaining = candidates.filter { $0 != id }
        try context.setDialogState(remaining.isEmpty ? nil : DialogState.linking(phone: phone, candidates: remaining))
        guard let linked else { return try send(texts.text("link_failed", language), to: context) }
        try bot.staff.announceLink(of: linked, to: context.user, proof: .contact, approvedBy: nil, context)
        try send(linkedText([linked], language), to: context, keyboard: mainKeyboard(language))
    }

    func linkedText(_ linked: [Business], _ language: Language) -> String {
        texts.text("linked", language, ["names": linked.map { "<b>\(HTML.escape($0.name))</b>" }.joined(separator: ", ")])
    }
}
