import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// Who owns what: staff approve links asked for with a typed number, hear of every link, and re-check a
/// verified business whose owner changed its key details.
extension StaffFeature {
    /// "Tautkan ke …?" with Setujui / Tolak, to every staff member.
    func askStaffToLink(_ business: Business, request: LinkRequest, _ context: BotContext) throws {
        for staffID in settings.staffIDs.sorted() {
            let language = try context.replyLanguage(of: staffID)
            let text = texts.text("staff_link_request", language, [
                "requester": HTML.escape(request.userName), "user_id": String(request.userID), "phone": HTML.escape(request.phone),
                "name": HTML.escape(business.name), "id": HTML.escape(business.registryID),
                "category": HTML.escape(label(of: business.category, language)),
                "kelurahan": HTML.escape(business.kelurahan.isEmpty ? "–" : business.kelurahan),
                "business_phone": HTML.escape(business.phone.isEmpty ? "–" : business.phone),
            ])
            try context.send(text, toChat: staffID, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                InlineKeyboardButton(text: texts.text("approve_button", language), callbackData: "lk:y:\(request.id)"),
                InlineKeyboardButton(text: texts.text("reject_button", language), callbackData: "lk:n:\(request.id)"),
            ]])))
        }
    }

    /// `lk:y:ID` / `lk:n:ID`: the first staff decision counts; the requester hears the outcome.
    func decideLinkRequest(_ id: Int64, approve: Bool, _ context: BotContext) throws {
        guard let request = try context.registry.linkRequest(id), let business = try context.registry.business(id: request.businessID) else {
            throw StaleButton()
        }
        let language = context.language
        let decision = try context.registry.decideLinkRequest(id, approve: approve, by: context.user.id, now: context.now)
        let names = ["name": HTML.escape(business.name), "requester": HTML.escape(request.userName), "staff": HTML.escape(context.user.firstName)]
        let requesterLanguage = try context.replyLanguage(of: request.userID)
        let outcome: String
        switch decision {
        case .alreadyDecided:
            try context.answer(texts.text("staff_link_already_decided", language))
            return try context.editPressedKeyboard(nil)
        case .linked(let linked):
            outcome = texts.text("staff_link_approved", language, names)
            try context.send(bot.myBusiness.linkedText([linked], requesterLanguage), toChat: request.userID)
            try announceLink(of: linked, to: User(id: request.userID, isBot: false, firstName: request.userName), proof: .staff,
                             approvedBy: context.user, context, except: context.user.id)
        case .rejected:
            outcome = texts.text("staff_link_rejected", language, names)
            try context.send(texts.text("link_request_rejected", requesterLanguage, ["name": HTML.escape(business.name)]), toChat: request.userID)
        case .businessTaken:
            outcome = texts.text("staff_link_taken", language, names)
            try context.send(texts.text("link_failed", requesterLanguage), toChat: request.userID)
        }
        logger.info("Link request decided", metadata: ["request": "\(id)", "business": "\(business.registryID)", "staff_id": "\(context.user.id)",
                                                       "outcome": "\(decision)"])
        try context.answer(HTML.plain(outcome))
        try context.editPressedKeyboard(nil)
        try send(outcome, to: context)
    }

    /// Tells every staff member (but `except`) that an account became a business's owner, and how.
    func announceLink(of business: Business, to owner: User, proof: OwnershipProof, approvedBy staff: User?, _ context: BotContext,
                      except: Int64? = nil) throws {
        logger.info("Business linked to an account", metadata: ["business": "\(business.registryID)", "proof": "\(proof.rawValue)"])
        for staffID in settings.staffIDs.sorted() where staffID != except {
            let language = try context.replyLanguage(of: staffID)
            let how = proof == .contact
                ? texts.text("link_how_contact", language, ["phone": HTML.escape(business.phone)])
                : texts.text("link_how_staff", language, ["staff": HTML.escape(staff?.firstName ?? "–")])
            try context.send(texts.text("staff_link_announced", language, [
                "name": HTML.escape(business.name), "id": HTML.escape(business.registryID), "owner": HTML.escape(owner.firstName),
                "user_id": String(owner.id), "how": how,
            ]), toChat: staffID)
        }
    }

    /// A verified business's owner changed what the agency checked: before → after, with Verifikasi / Tangguhkan.
    func notifyStaff(ofChange before: Business, to after: Business, _ context: BotContext) throws {
        for staffID in settings.staffIDs.sorted() {
            let language = try context.replyLanguage(of: staffID)
            let changes = Self.checkedFields(before, after).map { field in
                "• \(texts.text(field.labelKey, language)): \(HTML.escape(describe(field, of: before, language))) → \(HTML.escape(describe(field, of: after, language)))"
            }.joined(separator: "\n")
            try context.send(texts.text("staff_business_changed", language, [
                "id": HTML.escape(after.registryID), "name": HTML.escape(after.name), "user": HTML.escape(context.user.firstName),
                "user_id": String(context.user.id), "changes": changes,
            ]), toChat: staffID, keyboard: .inlineKeyboard(verificationKeyboard(after, language)))
        }
    }

    /// The fields the agency checked that differ between two versions of a business. A mobile vendor's
    /// home base is not among them: citizens find a cart where it checks in, never at its home base.
    static func checkedFields(_ before: Business, _ after: Business) -> [EditableField] {
        var fields: [EditableField] = []
        if before.name != after.name { fields.append(.name) }
        if before.category != after.category { fields.append(.category) }
        if before.mode != after.mode { fields.append(.mode) }
        if after.mode == .menetap && before.location != after.location { fields.append(.location) }
        if before.phone != after.phone { fields.append(.phone) }
        return fields
    }

    private func describe(_ field: EditableField, of business: Business, _ language: Language) -> String {
        switch field {
        case .name: return business.name
        case .category: return label(of: business.category, language)
        case .mode: return HTML.plain(texts.text(business.mode == .berkeliling ? "mode_mobile_button" : "mode_fixed_button", language))
        case .location:
            return business.location.map { "\(Kelurahan.nearest(to: $0).name) (\(String(format: "%.5f, %.5f", $0.latitude, $0.longitude)))" } ?? "–"
        case .phone: return business.phone.isEmpty ? "–" : business.phone
        case .halal: return ""
        }
    }
}

extension EditableField {
    /// The reply key of the field's label ("✏️ Nama").
    var labelKey: String { "field_\(rawValue)" }
}
