import Foundation
import LapakDatabase
import LapakLanguage
import Logging
import LapakRegistry
import TelegramBotAPI

/// /jualan and /tutup: where a mobile vendor sells today, live locations that follow the cart, shops closed today.
struct CheckInFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.checkin, access: .anyone) { context, _ in try startCheckIn(context) }
        router.command(.checkout, access: .anyone) { context, _ in try closeForToday(context) }
        router.intent(.checkin, runs: .checkin)
        router.intent(.checkout, runs: .checkout)
        router.dialog(.awaitingCheckInLocation, DialogRoute(
            text: { context, state, text in
                // Anything typed instead of a location: the question again (a new question is still understood).
                guard matcher.understand(text).intent == .fallback else { return false }
                try context.askAgain(state)
                return true
            },
            location: { context, state, location, live in
                guard case .awaitingCheckInLocation(let businessID) = state else { return false }
                try checkIn(businessID: businessID, at: location, live: live, context)
                return true
            },
            askAgain: { context, state in
                if case .awaitingCheckInLocation(let businessID) = state { try askCheckInLocation(businessID: businessID, context) }
            }))
        router.editRoute = { context, message in try followLiveLocation(message, context) }
        // j:ID: check in this business (after /jualan with several).
        router.button("j", access: .owner) { context, press in
            let business = try usable(press, mode: .berkeliling)
            try context.answer()
            try askCheckInLocation(businessID: business.id, context)
        }
        // jl:ID: make the location just searched from today's selling spot.
        router.button("jl", access: .owner) { context, press in
            guard case .offeredCheckIn(let latitude, let longitude, let messageID, let liveUntil) = try context.dialogState()
            else { throw StaleButton() }
            let business = try usable(press, mode: .berkeliling)
            try context.answer()
            let live = messageID.map { LiveShare(messageID: $0, until: Date(timeIntervalSince1970: TimeInterval(liveUntil ?? 0))) }
            try checkIn(businessID: business.id, at: GeoPoint(latitude: latitude, longitude: longitude), live: live, context)
        }
        // t:ID: close this business for today.
        router.button("t", access: .owner) { context, press in
            let business = try usable(press, mode: nil)
            try context.answer()
            try close(business, context)
        }
        // o:ID: open it again.
        router.button("o", access: .owner) { context, press in
            let business = try usable(press, mode: .menetap)
            try context.registry.reopen(businessID: business.id, now: context.now)
            try context.answer()
            try send(texts.text("reopened", context.language, ["name": HTML.escape(business.name)]), to: context)
        }
    }

    /// The pressed button's business (the router checked its owner) if it is active and of `mode` (any when nil).
    func usable(_ press: ButtonPress, mode: OperatingMode?) throws -> Business {
        guard let business = press.business, business.status == .active, mode == nil || business.mode == mode else { throw StaleButton() }
        return business
    }

    /// /jualan: which business (when there are several), then a location.
    func startCheckIn(_ context: BotContext) throws {
        let language = context.language
        let owned = try context.registry.businesses(ownedBy: context.user.id).filter { $0.status == .active }
        let mobile = owned.filter { $0.mode == .berkeliling }
        if mobile.isEmpty {
            return try send(texts.text(owned.isEmpty ? "no_business_yet" : "fixed_shop_no_checkin", language), to: context,
                                  keyboard: mainKeyboard(language))
        }
        if mobile.count == 1 { return try askCheckInLocation(businessID: mobile[0].id, context) }
        let rows = mobile.prefix(10).map { [InlineKeyboardButton(text: $0.name, callbackData: "j:\($0.id)")] }
        try send(texts.text("which_business_checkin", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    /// Waits for today's location of `businessID`, explaining the live location alternative.
    func askCheckInLocation(businessID: Int64, _ context: BotContext) throws {
        guard let business = try context.registry.business(id: businessID) else { return }
        try context.setDialogState(DialogState.awaitingCheckInLocation(businessID: businessID))
        let language = context.language
        try send(texts.text("ask_checkin_location", language, ["name": HTML.escape(business.name)]), to: context,
                       keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                           [KeyboardButton(text: texts.text("send_selling_location_button", language), requestLocation: true)],
                           [KeyboardButton(text: texts.text("cancel_button", language))],
                       ], resizeKeyboard: true)))
    }

    /// Records today's position (following a live location's edits when it is one) and says what citizens now see.
    func checkIn(businessID: Int64, at position: GeoPoint, live: LiveShare?, _ context: BotContext) throws {
        let language = context.language
        guard settings.region.contains(position) else {
            return try send(texts.text("location_outside_region", language), to: context)
        }
        // The dialog was started for this business, but it may have changed hands or been deleted since.
        guard let business = try context.registry.business(id: businessID), business.ownerTelegramID == context.user.id || context.isStaff
        else { return try send(texts.text("button_expired", language), to: context, keyboard: mainKeyboard(language)) }
        let moment = context.now
        let checkIn: CheckIn
        do {
            checkIn = try context.registry.checkIn(businessID: businessID, at: position, source: live == nil ? .location : .live,
                                                 liveUntil: live?.until,
                                                 liveMessage: live.map { LiveMessage(chatID: context.chatID, messageID: $0.messageID) }, now: moment)
        } catch let error as RegistryError {
            try context.setDialogState(nil)
            let key: String
            switch error {
            case .notActive: key = "business_not_active"
            case .notMobile: key = "fixed_shop_no_checkin"
            case .noSuchBusiness: key = "button_expired"
            }
            return try send(texts.text(key, language, ["name": HTML.escape(business.name)]), to: context, keyboard: mainKeyboard(language))
        }
        try context.setDialogState(nil)
        let view = resultsView(language, context)
        let midnight = context.registry.endOfDay(after: moment)
        let key = live == nil ? "checked_in" : checkIn.endsAt < midnight ? "checked_in_live" : "checked_in_live_all_day"
        try send(texts.text(key, language, [
            "name": HTML.escape(business.name), "kelurahan": HTML.escape(Kelurahan.nearest(to: position).name),
            "until": view.time(checkIn.endsAt),
        ]), to: context, keyboard: mainKeyboard(language))
    }

    /// An edited message: a live location moving (or stopping). Other edits are ignored.
    func followLiveLocation(_ message: Message, _ context: BotContext) throws {
        guard let location = message.location else { return }
        let live = LiveMessage(chatID: message.chat.id, messageID: message.messageID)
        if location.livePeriod == nil {
            // Sharing stopped: the cart is no longer followed, and no longer shown.
            guard let business = try context.registry.endLiveCheckIn(following: live, now: context.now) else { return }
            try send(texts.text("live_stopped", context.language, ["name": HTML.escape(business.name)]), to: context)
            return
        }
        let point = GeoPoint(latitude: location.latitude, longitude: location.longitude)
        // A cart that leaves the region keeps its last position inside it rather than vanishing on a GPS glitch.
        guard settings.region.contains(point) else { return }
        _ = try context.registry.moveLiveCheckIn(following: live, to: point, accuracy: location.horizontalAccuracy, now: context.now)
    }

    /// /tutup: a mobile vendor ends today's check-in; a fixed shop is marked closed until tomorrow.
    func closeForToday(_ context: BotContext) throws {
        let owned = try context.registry.businesses(ownedBy: context.user.id).filter { $0.status == .active }
        guard !owned.isEmpty else {
            return try send(texts.text("no_business_yet", context.language), to: context, keyboard: mainKeyboard(context.language))
        }
        if owned.count == 1 { return try close(owned[0], context) }
        let rows = owned.prefix(10).map { [InlineKeyboardButton(text: $0.name, callbackData: "t:\($0.id)")] }
        try send(texts.text("which_business_close", context.language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    func close(_ business: Business, _ context: BotContext) throws {
        let language = context.language
        switch business.mode {
        case .berkeliling:
            let ended = try context.registry.checkOut(businessID: business.id, now: context.now)
            // A second /tutup must not say the vendor never came out today: they did, and closed.
            let key = ended ? "checked_out"
                : try context.registry.checkedOutToday(businessID: business.id, now: context.now) ? "already_checked_out" : "not_checked_in"
            try send(texts.text(key, language, ["name": HTML.escape(business.name)]), to: context, keyboard: mainKeyboard(language))
        case .menetap:
            let until = try context.registry.closeToday(businessID: business.id, now: context.now)
            try send(texts.text("closed_today", language, ["name": HTML.escape(business.name), "until": resultsView(language, context).time(until)]),
                           to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                               InlineKeyboardButton(text: texts.text("reopen_button", language), callbackData: "o:\(business.id)"),
                           ]])))
        }
    }
}
