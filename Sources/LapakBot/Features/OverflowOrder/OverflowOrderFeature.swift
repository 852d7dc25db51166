import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// Overflow orders (limpahan pesanan): /limpahkan describes an order a vendor cannot take (what and how
/// many, when, where, a note, the customer's contact), which is then offered in waves to the vendor's
/// apprentices and to the nearest verified businesses of the same kind.
struct OverflowOrderFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    /// Businesses offered an order at once.
    static let waveSize = 3
    /// How long an offer can be taken.
    static let answerWithin: TimeInterval = 30 * 60

    func register(in router: inout BotRouter) {
        router.command(.overflowOrder, access: .anyone) { context, _ in try start(context) }
        router.dialog(.passingOrder, DialogRoute(
            holdsAnswers: true,
            text: { context, state, text in
                guard case .passingOrder(let draft) = state else { return false }
                try answer(draft, text: text, context)
                return true
            },
            location: { context, state, location, _ in
                guard case .passingOrder(var draft) = state, draft.step == .place else { return false }
                guard settings.region.contains(location) else {
                    try send(texts.text("location_outside_region", context.language), to: context)
                    return true
                }
                draft.place = location
                draft.kelurahan = Kelurahan.nearest(to: location)?.name ?? ""
                draft.step = .note
                try save(draft, context)
                return true
            },
            askAgain: { context, state in
                if case .passingOrder(let draft) = state { try ask(draft, context) }
            }))
        // ob:BUSINESS: which business the order is from.
        router.button("ob", access: .owner) { context, press in
            guard let business = press.business, case .passingOrder(var draft)? = try context.dialogState(), draft.step == .business else {
                throw StaleButton()
            }
            draft.businessID = business.id
            draft.step = .what
            try context.answer()
            try context.editPressedKeyboard(nil)
            try save(draft, context)
        }
        // os:note / os:contact: skip an optional step.
        router.button("os", access: .anyone) { context, press in
            guard case .passingOrder(let draft)? = try context.dialogState(), draft.step.rawValue == press.arguments[0] else { throw StaleButton() }
            try context.answer()
            try context.editPressedKeyboard(nil)
            try answer(draft, text: nil, context)
        }
        // oa:ORDER:BUSINESS (Ambil), od:ORDER:BUSINESS (Tolak): checked against the offers made.
        router.button("oa", access: .anyone, arguments: 2...2) { context, press in try take(try press.id(0), business: try press.id(1), context) }
        router.button("od", access: .anyone, arguments: 2...2) { context, press in try decline(try press.id(0), business: try press.id(1), context) }
        // ow:ORDER (widen after expiry), ox:ORDER (cancel): the originator only.
        router.button("ow", access: .anyone) { context, press in try widen(try press.id(0), context) }
        router.button("ox", access: .anyone) { context, press in try cancel(try press.id(0), context) }
    }

    /// /limpahkan: asks which business (if several), then what.
    func start(_ context: BotContext) throws {
        let owned = try context.registry.businesses(ownedBy: context.user.id).filter { $0.status == .active }
        guard !owned.isEmpty else { return try send(texts.text("overflow_no_business", context.language), to: context) }
        try save(OrderDraft(businessID: owned.count == 1 ? owned[0].id : nil), context)
    }

    /// Stores the draft and asks its current step.
    func save(_ draft: OrderDraft, _ context: BotContext) throws {
        try context.setDialogState(.passingOrder(draft))
        try ask(draft, context)
    }

    /// The question of the draft's step, with its keyboard.
    func ask(_ draft: OrderDraft, _ context: BotContext) throws {
        let language = context.language
        switch draft.step {
        case .business:
            let rows = try context.registry.businesses(ownedBy: context.user.id).filter { $0.status == .active }.prefix(10).map {
                [InlineKeyboardButton(text: $0.name, callbackData: "ob:\($0.id)")]
            }
            try send(texts.text("overflow_which_business", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: Array(rows))))
        case .what:
            try send(texts.text("overflow_ask_what", language), to: context)
        case .when:
            try send(texts.text("overflow_ask_when", language), to: context)
        case .place:
            try send(texts.text("overflow_ask_place", language), to: context, keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                [KeyboardButton(text: texts.text("share_location_button", language), requestLocation: true)],
                [KeyboardButton(text: texts.text("cancel_button", language))],
            ], resizeKeyboard: true, oneTimeKeyboard: true)))
        case .note, .contact:
            try send(texts.text(draft.step == .note ? "overflow_ask_note" : "overflow_ask_contact", language), to: context,
                     keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                         InlineKeyboardButton(text: texts.text("skip_button", language), callbackData: "os:\(draft.step.rawValue)"),
                     ]])))
        }
    }

    /// A typed answer (nil: Lewati) to the current step; a bad one is explained and asked again, nothing lost.
    func answer(_ draft: OrderDraft, text: String?, _ context: BotContext) throws {
        var draft = draft
        let language = context.language
        let typed = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        switch draft.step {
        case .business:
            return try ask(draft, context)
        case .what:
            guard let (what, quantity) = OrderInput.what(typed) else { return try send(texts.text("overflow_bad_what", language), to: context) }
            (draft.what, draft.quantity, draft.step) = (what, quantity, .when)
        case .when:
            guard let when = OrderInput.when(typed, now: context.now, timeZone: settings.timeZone) else {
                return try send(texts.text("overflow_bad_when", language), to: context)
            }
            (draft.neededAt, draft.step) = (when, .place)
        case .place:
            guard let kelurahan = Kelurahan.named(typed) else {
                let suggestion = Kelurahan.suggestion(for: typed).map { texts.text("place_suggestion", language, ["name": $0.name]) } ?? ""
                return try send(texts.text("overflow_bad_place", language, ["text": HTML.escape(String(typed.prefix(40))), "suggestion": suggestion]),
                                to: context)
            }
            (draft.place, draft.kelurahan, draft.step) = (GeoPoint(latitude: kelurahan.latitude, longitude: kelurahan.longitude), kelurahan.name, .note)
        case .note:
            guard typed.count <= ApprenticeshipFeature.maxNoteLength else {
                return try send(texts.text("note_too_long", language, ["count": String(typed.count)]), to: context)
            }
            (draft.note, draft.step) = (typed, .contact)
        case .contact:
            guard typed.count <= 200 else { return try send(texts.text("note_too_long", language, ["count": String(typed.count)]), to: context) }
            return try submit(draft, customerContact: typed, context)
        }
        try save(draft, context)
    }

    /// Stores the order and sends its first wave.
    private func submit(_ draft: OrderDraft, customerContact: String, _ context: BotContext) throws {
        guard let businessID = draft.businessID, let business = try context.registry.business(id: businessID),
              business.ownerTelegramID == context.user.id, let what = draft.what, let quantity = draft.quantity, let neededAt = draft.neededAt,
              let place = draft.place else {
            try context.setDialogState(nil)
            return try start(context)
        }
        let order = try context.registry.createOverflowOrder(
            OverflowOrderDraft(what: what, quantity: quantity, neededAt: neededAt, place: place, kelurahan: draft.kelurahan ?? "",
                               note: draft.note, customerContact: customerContact),
            from: business, userID: context.user.id, username: context.user.username, now: context.now)
        try context.setDialogState(nil)
        logger.info("Overflow order passed on", metadata: ["order": "\(order.id)", "business": "\(business.registryID)", "quantity": "\(quantity)"])
        try offerNextWave(order.id, context)
    }
}
