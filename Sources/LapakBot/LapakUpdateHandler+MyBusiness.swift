import Foundation
import LapakDatabase
import Logging
import LapakRegistry
import TelegramBotAPI

/// /usahaku: a vendor's businesses as cards with edit and delete buttons; linking imported records by phone.
extension LapakUpdateHandler {
    /// Sends one card per business the user owns, or explains how to enroll or link one.
    func showMyBusinesses(_ context: ReplyContext) async throws {
        let language = context.language
        let owned = try await registry.businesses(ownedBy: context.user.id)
        guard !owned.isEmpty else {
            return try await send(texts.text("no_business_yet", language), to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                [KeyboardButton(text: texts.text("link_my_number_button", language), requestContact: true)],
                [KeyboardButton(text: texts.text("cancel_button", language))],
            ], resizeKeyboard: true, oneTimeKeyboard: true)))
        }
        for business in owned.prefix(10) {
            try await send(try await card(of: business, language), to: context, keyboard: .inlineKeyboard(cardKeyboard(business, language)))
        }
    }

    /// Everything a vendor needs to check about one business, and what citizens see today.
    func card(of business: Business, _ language: Language) async throws -> String {
        let moment = now()
        let view = resultsView(language)
        let category = registry.taxonomy.category(business.category)
        var today: String
        switch (business.status, business.mode) {
        case (.suspended, _), (.inactive, _):
            today = texts.text("today_suspended", language)
        case (.active, .menetap):
            if let until = try await registry.closedUntil(businessID: business.id, now: moment) {
                today = texts.text("today_closed", language, ["until": view.time(until)])
            } else {
                today = texts.text("today_open", language)
            }
        case (.active, .berkeliling):
            if let checkIn = try await registry.activeCheckIn(businessID: business.id, now: moment) {
                today = texts.text("today_selling", language, ["kelurahan": HTML.escape(Kelurahan.nearest(to: checkIn.position).name),
                                                               "since": view.time(checkIn.startedAt), "until": view.time(checkIn.endsAt)])
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
            "halal": texts.text(business.halal ? "halal_certified" : try await registry.hasHalalClaim(business.id) ? "halal_claim_pending"
                                : "halal_no_button", language),
            "verified": texts.text(business.verified ? "verified_mark" : "unverified_mark", language),
            "today": today,
        ])
    }

    func cardKeyboard(_ business: Business, _ language: Language) -> InlineKeyboardMarkup {
        func button(_ key: String, _ operation: String) -> InlineKeyboardButton {
            InlineKeyboardButton(text: texts.text(key, language), callbackData: "u:\(business.id):\(operation)")
        }
        return InlineKeyboardMarkup(rows: [
            [button("field_name", "name"), button("field_category", "category"), button("field_phone", "phone")],
            [button("field_location", "location"), button("field_halal", "halal"), button("field_mode", "mode")],
            [button("delete_button", "delete")],
        ])
    }

    // MARK: - Edits

    /// A /usahaku button: `u:ID:operation[:argument]`, allowed to the owner and to staff.
    func manageButton(id: Int64, operation: String, argument: String?, query: CallbackQuery, _ context: ReplyContext) async throws {
        let business = try await ownedBusiness(id, by: context.user, mode: nil, allowSuspended: true)
        let language = context.language
        switch operation {
        case "name", "phone", "location":
            let field = EditableField(rawValue: operation)!
            try await client.answerCallbackQuery(query.id)
            try await askEdit(businessID: id, field: field, context)
        case "category":
            try await client.answerCallbackQuery(query.id)
            try await send(texts.text("ask_business_category", language, ["name": HTML.escape(business.name)]), to: context,
                           keyboard: .inlineKeyboard(categoryKeyboard(page: 0, language, prefix: "u:\(id):")))
        case "c":
            guard let page = argument.flatMap(Int.init), let message = query.message else { throw StaleButton() }
            try await client.answerCallbackQuery(query.id)
            try await client.editMessageReplyMarkup(chatID: context.chatID, messageID: message.messageID,
                                                    replyMarkup: categoryKeyboard(page: page, language, prefix: "u:\(id):"))
        case "k":
            guard let slug = argument, registry.taxonomy.category(slug) != nil else { throw StaleButton() }
            var changed = business
            changed.category = slug
            try await client.answerCallbackQuery(query.id)
            try await saved(changed, context)
        case "halal":
            try await client.answerCallbackQuery(query.id)
            if isStaff(context.user) || business.halal {
                // Staff set the certificate; an owner may always take the mark off.
                try await registry.certifyHalal(!business.halal, ofBusiness: id, now: now())
            } else {
                // An owner's "yes" is a claim until staff confirm it.
                try await registry.setHalalClaim(!(try await registry.hasHalalClaim(id)), ofBusiness: id, now: now())
            }
            guard let stored = try await registry.business(id: id) else { throw StaleButton() }
            try await send(texts.text("saved", language), to: context, keyboard: mainKeyboard(language))
            try await send(try await card(of: stored, language), to: context, keyboard: .inlineKeyboard(cardKeyboard(stored, language)))
        case "mode":
            var changed = business
            changed.mode = business.mode == .menetap ? .berkeliling : .menetap
            try await client.answerCallbackQuery(query.id)
            if changed.mode == .menetap && changed.location == nil {
                // A fixed shop is found at its address: the switch waits for one.
                return try await askEdit(businessID: id, field: .mode, context)
            }
            try await saved(changed, context)
        case "delete":
            try await client.answerCallbackQuery(query.id)
            try await send(texts.text("confirm_delete", language, ["name": HTML.escape(business.name)]), to: context,
                           keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                               InlineKeyboardButton(text: texts.text("delete_confirm_button", language), callbackData: "u:\(id):deleteyes"),
                               InlineKeyboardButton(text: texts.text("keep_button", language), callbackData: "u:\(id):keep"),
                           ]])))
        case "deleteyes":
            try await registry.setStatus(.inactive, ofBusiness: id, at: now())
            try await client.answerCallbackQuery(query.id)
            logger.info("Business deleted by its owner", metadata: ["business": "\(business.registryID)"])
            if let message = query.message {
                try? await client.editMessageReplyMarkup(chatID: context.chatID, messageID: message.messageID, replyMarkup: nil)
            }
            try await send(texts.text("deleted", language, ["name": HTML.escape(business.name)]), to: context, keyboard: mainKeyboard(language))
        case "keep":
            try await client.answerCallbackQuery(query.id, text: texts.text("kept", language))
            if let message = query.message {
                try? await client.editMessageReplyMarkup(chatID: context.chatID, messageID: message.messageID, replyMarkup: nil)
            }
        default:
            throw StaleButton()
        }
    }

    /// Asks for the new value of a typed field (name, phone) or a location.
    func askEdit(businessID: Int64, field: EditableField, _ context: ReplyContext) async throws {
        guard let business = try await registry.business(id: businessID) else { return }
        try await conversations.setState(DialogState.editing(businessID: businessID, field: field).json, of: context.user.id,
                                         handling: context.updateID)
        let language = context.language
        let cancelRow = [KeyboardButton(text: texts.text("cancel_button", language))]
        switch field {
        case .name:
            try await send(texts.text("ask_new_name", language, ["name": HTML.escape(business.name)]), to: context,
                           keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [cancelRow], resizeKeyboard: true)))
        case .phone:
            try await send(texts.text("ask_phone", language), to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                [KeyboardButton(text: texts.text("send_my_number_button", language), requestContact: true)], cancelRow,
            ], resizeKeyboard: true)))
        case .location, .mode:
            try await send(texts.text(field == .mode ? "ask_shop_location_for_mode" : "ask_new_location", language, ["name": HTML.escape(business.name)]),
                           to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                               [KeyboardButton(text: texts.text("send_business_location_button", language), requestLocation: true)], cancelRow,
                           ], resizeKeyboard: true)))
        case .category, .halal:
            break  // chosen by buttons
        }
    }

    /// A typed answer to an edit.
    func edit(businessID: Int64, field: EditableField, text: String, _ context: ReplyContext) async throws {
        let language = context.language
        guard var business = try await editableBusiness(businessID, context) else { return }
        switch field {
        case .name:
            switch VendorInput.businessName(text) {
            case .failure(let problem): return try await send(texts.text(problem.rawValue, language), to: context)
            case .success(let name): business.name = name
            }
        case .phone:
            guard let phone = PhoneNumber.normalise(text) else {
                return try await send(texts.text("phone_invalid", language, ["text": HTML.escape(String(text.prefix(40)))]), to: context)
            }
            business.phone = phone
        case .location, .mode:
            return try await send(texts.text("location_required", language), to: context)
        case .category, .halal:
            return
        }
        try await saved(business, context)
    }

    func edit(businessID: Int64, location: GeoPoint, _ context: ReplyContext) async throws {
        guard settings.region.contains(location) else {
            return try await send(texts.text("location_outside_region", context.language), to: context)
        }
        guard var business = try await editableBusiness(businessID, context) else { return }
        if case .editing(_, .mode) = DialogState(json: try await conversations.state(of: context.user.id)) { business.mode = .menetap }
        business.location = location
        business.kelurahan = Kelurahan.nearest(to: location).name
        try await saved(business, context)
    }

    func edit(businessID: Int64, phone: String, _ context: ReplyContext) async throws {
        guard var business = try await editableBusiness(businessID, context) else { return }
        business.phone = phone
        try await saved(business, context)
    }

    /// The business being edited, if the user still may edit it; otherwise the dialog ends with a reason.
    private func editableBusiness(_ id: Int64, _ context: ReplyContext) async throws -> Business? {
        if let business = try? await ownedBusiness(id, by: context.user, mode: nil, allowSuspended: true) { return business }
        try await conversations.setState(nil, of: context.user.id, handling: context.updateID)
        try await send(texts.text("button_expired", context.language), to: context, keyboard: mainKeyboard(context.language))
        return nil
    }

    /// Stores a change, ends the edit dialog and shows the updated card.
    private func saved(_ business: Business, _ context: ReplyContext) async throws {
        let stored = try await registry.update(business, now: now())
        try await conversations.setState(nil, of: context.user.id, handling: context.updateID)
        try await send(texts.text("saved", context.language), to: context, keyboard: mainKeyboard(context.language))
        try await send(try await card(of: stored, context.language), to: context, keyboard: .inlineKeyboard(cardKeyboard(stored, context.language)))
    }

    // MARK: - Linking imported records

    /// A shared phone number outside enrollment: offers the imported businesses with it that have no owner.
    func offerLinking(phone: String, _ context: ReplyContext) async throws {
        let language = context.language
        let matching = try await registry.businesses(phone: phone)
        let unowned = matching.filter { $0.ownerTelegramID == nil }
        guard !unowned.isEmpty else {
            let key = matching.contains { $0.ownerTelegramID == context.user.id } ? "already_linked" : "no_business_with_phone"
            return try await send(texts.text(key, language, ["phone": HTML.escape(phone)]), to: context, keyboard: mainKeyboard(language))
        }
        try await conversations.setState(DialogState.linking(phone: phone, candidates: unowned.prefix(5).map(\.id)).json, of: context.user.id,
                                         handling: context.updateID)
        try await send(texts.text("phone_received", language), to: context, keyboard: mainKeyboard(language))
        try await offerLink(Array(unowned.prefix(5)), prefix: "", context)
    }

    /// `l:ID` or `l:none` under "is this yours?", valid only for the candidates offered to this user.
    func linkButton(_ argument: String, query: CallbackQuery, state: DialogState?, _ context: ReplyContext) async throws {
        guard case .linking(let phone, let candidates) = state else { throw StaleButton() }
        let language = context.language
        try await client.answerCallbackQuery(query.id)
        if argument == "none" {
            try await conversations.setState(nil, of: context.user.id, handling: context.updateID)
            return try await send(texts.text("not_linked", language), to: context, keyboard: mainKeyboard(language))
        }
        guard let id = Int64(argument), candidates.contains(id) else { throw StaleButton() }
        let linked = try await registry.link([id], phone: phone, to: context.user.id, now: now())
        let remaining = candidates.filter { $0 != id }
        try await conversations.setState(remaining.isEmpty ? nil : DialogState.linking(phone: phone, candidates: remaining).json,
                                         of: context.user.id, handling: context.updateID)
        guard !linked.isEmpty else { return try await send(texts.text("link_failed", language), to: context) }
        try await send(linkedText(linked, language), to: context, keyboard: mainKeyboard(language))
    }

    func linkedText(_ linked: [Business], _ language: Language) -> String {
        texts.text("linked", language, ["names": linked.map { "<b>\(HTML.escape($0.name))</b>" }.joined(separator: ", ")])
    }
}
