import Foundation
import LapakBroadcast
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// What a user's next message means while a dialog waits for it: typed answers, contacts, the question again.
extension LapakUpdateHandler {
    /// Free text typed during a dialog; false when the text is not for the dialog (the caller treats it as usual).
    func continueDialog(_ state: DialogState, text: String, _ context: ReplyContext) async throws -> Bool {
        switch state {
        case .enrolling(let draft):
            try await enrollment(draft, receivedText: text, context)
            return true
        case .editing(let businessID, let field):
            try await edit(businessID: businessID, field: field, text: text, context)
            return true
        case .awaitingCheckInLocation:
            // Anything typed instead of a location: the question again (a new question is still understood).
            guard matcher.understand(text).intent == .fallback else { return false }
            try await askAgain(state, context)
            return true
        case .composingBroadcast(let draft):
            try await broadcastText(draft, text: text, context)
            return true
        case .awaitingSearchLocation, .linking, .offeredCheckIn:
            return false
        }
    }

    /// Repeats the question of a dialog (after an interruption or an answer that did not fit).
    func askAgain(_ state: DialogState, _ context: ReplyContext) async throws {
        switch state {
        case .enrolling(let draft): try await ask(draft, context)
        case .editing(let businessID, let field): try await askEdit(businessID: businessID, field: field, context)
        case .awaitingCheckInLocation(let businessID): try await askCheckInLocation(businessID: businessID, context)
        case .composingBroadcast(let draft):
            if draft.text == nil {
                try await send(texts.text("ask_announcement", context.language, ["max": String(maxAnnouncementLength)]), to: context)
            } else {
                try await showAudiencePanel(draft, editing: nil, context)
            }
        default: break
        }
    }

    /// A contact card: the phone step of an enrollment, or a request to link imported businesses.
    func received(contact: Contact, state: DialogState?, _ context: ReplyContext) async throws {
        let language = context.language
        guard contact.userID == context.user.id else {
            return try await send(texts.text("contact_not_yours", language), to: context)
        }
        guard let phone = PhoneNumber.normalise(contact.phoneNumber.hasPrefix("+") ? contact.phoneNumber : "+" + contact.phoneNumber) else {
            return try await send(texts.text("phone_invalid", language, ["text": HTML.escape(contact.phoneNumber)]), to: context)
        }
        switch state {
        case .enrolling(let draft) where draft.step == .phone:
            try await enrollment(draft, receivedPhone: phone, context)
        case .editing(let businessID, .phone):
            try await edit(businessID: businessID, phone: phone, context)
        case let state? where state.isVendorDialog:
            // Another step is waiting: the contact does not replace the answers given so far.
            try await send(texts.text("unexpected_contact", language), to: context)
            try await askAgain(state, context)
        default:
            try await offerLinking(phone: phone, context)
        }
    }
}
