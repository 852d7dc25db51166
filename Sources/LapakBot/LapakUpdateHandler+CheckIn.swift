import Foundation
import LapakDatabase
import Logging
import LapakRegistry
import TelegramBotAPI

/// /jualan and /tutup: where a mobile vendor sells today, live locations that follow the cart, shops closed today.
extension LapakUpdateHandler {
    /// /jualan: which business (when there are several), then a location.
    func startCheckIn(_ context: ReplyContext) async throws {
        let language = context.language
        let owned = try await registry.businesses(ownedBy: context.user.id).filter { $0.status == .active }
        let mobile = owned.filter { $0.mode == .berkeliling }
        if mobile.isEmpty {
            return try await send(texts.text(owned.isEmpty ? "no_business_yet" : "fixed_shop_no_checkin", language), to: context,
                                  keyboard: mainKeyboard(language))
        }
        if mobile.count == 1 { return try await askCheckInLocation(businessID: mobile[0].id, context) }
        let rows = mobile.prefix(10).map { [InlineKeyboardButton(text: $0.name, callbackData: "j:\($0.id)")] }
        try await send(texts.text("which_business_checkin", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    /// Waits for today's location of `businessID`, explaining the live location alternative.
    func askCheckInLocation(businessID: Int64, _ context: ReplyContext) async throws {
        guard let business = try await registry.business(id: businessID) else { return }
        try await conversations.setState(DialogState.awaitingCheckInLocation(businessID: businessID).json, of: context.user.id,
                                         handling: context.updateID)
        let language = context.language
        try await send(texts.text("ask_checkin_location", language, ["name": HTML.escape(business.name)]), to: context,
                       keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
                           [KeyboardButton(text: texts.text("send_selling_location_button", language), requestLocation: true)],
                           [KeyboardButton(text: texts.text("cancel_button", language))],
                       ], resizeKeyboard: true)))
    }

    /// Records today's position (following a live location's edits when it is one) and says what citizens now see.
    func checkIn(businessID: Int64, at position: GeoPoint, live: LiveShare?, _ context: ReplyContext) async throws {
        let language = context.language
        guard settings.region.contains(position) else {
            return try await send(texts.text("location_outside_region", language), to: context)
        }
        guard let business = try await registry.business(id: businessID), business.ownerTelegramID == context.user.id || isStaff(context.user)
        else { return try await send(texts.text("button_expired", language), to: context, keyboard: mainKeyboard(language)) }
        let moment = now()
        let checkIn: CheckIn
        do {
            checkIn = try await registry.checkIn(businessID: businessID, at: position, source: live == nil ? .location : .live,
                                                 liveUntil: live?.until,
                                                 liveMessage: live.map { LiveMessage(chatID: context.chatID, messageID: $0.messageID) }, now: moment)
        } catch let error as RegistryError {
            try await conversations.setState(nil, of: context.user.id, handling: context.updateID)
            let key: String
            switch error {
            case .notActive: key = "business_not_active"
            case .notMobile: key = "fixed_shop_no_checkin"
            case .noSuchBusiness: key = "button_expired"
            }
            return try await send(texts.text(key, language, ["name": HTML.escape(business.name)]), to: context, keyboard: mainKeyboard(language))
        }
        try await conversations.setState(nil, of: context.user.id, handling: context.updateID)
        let view = resultsView(language)
        let midnight = registry.endOfDay(after: moment)
        let key = live == nil ? "checked_in" : checkIn.endsAt < midnight ? "checked_in_live" : "checked_in_live_all_day"
        try await send(texts.text(key, language, [
            "name": HTML.escape(business.name), "kelurahan": HTML.escape(Kelurahan.nearest(to: position).name),
            "until": view.time(checkIn.endsAt),
        ]), to: context, keyboard: mainKeyboard(language))
    }

    /// An edited message: a live location moving (or stopping). Other edits are ignored.
    func handleEdit(_ message: Message, updateID: Int64) async throws {
        guard let location = message.location, let user = message.from else { return }
        let live = LiveMessage(chatID: message.chat.id, messageID: message.messageID)
        if location.livePeriod == nil {
            // Sharing stopped: the cart is no longer followed, and no longer shown.
            guard let business = try await registry.endLiveCheckIn(following: live, now: now()) else { return }
            let language = try await language(of: user)
            try await client.sendMessage(chatID: message.chat.id, text: texts.text("live_stopped", language, ["name": HTML.escape(business.name)]),
                                         parseMode: .html)
            return
        }
        let point = GeoPoint(latitude: location.latitude, longitude: location.longitude)
        // A cart that leaves the region keeps its last position inside it rather than vanishing on a GPS glitch.
        guard settings.region.contains(point) else { return }
        _ = try await registry.moveLiveCheckIn(following: live, to: point, accuracy: location.horizontalAccuracy, now: now())
    }

    /// /tutup: a mobile vendor ends today's check-in; a fixed shop is marked closed until tomorrow.
    func closeForToday(_ context: ReplyContext) async throws {
        let owned = try await registry.businesses(ownedBy: context.user.id).filter { $0.status == .active }
        guard !owned.isEmpty else {
            return try await send(texts.text("no_business_yet", context.language), to: context, keyboard: mainKeyboard(context.language))
        }
        if owned.count == 1 { return try await close(owned[0], context) }
        let rows = owned.prefix(10).map { [InlineKeyboardButton(text: $0.name, callbackData: "t:\($0.id)")] }
        try await send(texts.text("which_business_close", context.language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    func close(_ business: Business, _ context: ReplyContext) async throws {
        let language = context.language
        switch business.mode {
        case .berkeliling:
            let ended = try await registry.checkOut(businessID: business.id, now: now())
            try await send(texts.text(ended ? "checked_out" : "not_checked_in", language, ["name": HTML.escape(business.name)]), to: context,
                           keyboard: mainKeyboard(language))
        case .menetap:
            let until = try await registry.closeToday(businessID: business.id, now: now())
            try await send(texts.text("closed_today", language, ["name": HTML.escape(business.name), "until": resultsView(language).time(until)]),
                           to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                               InlineKeyboardButton(text: texts.text("reopen_button", language), callbackData: "o:\(business.id)"),
                           ]])))
        }
    }

    // MARK: - Buttons

    /// j: choose the business to check in, jl: make the offered location today's spot, t: close, o: reopen.
    func checkInButton(_ action: ButtonAction, query: CallbackQuery, state: DialogState?, _ context: ReplyContext) async throws {
        switch action {
        case .chooseCheckIn(let id):
            _ = try await ownedBusiness(id, by: context.user, mode: .berkeliling)
            try await client.answerCallbackQuery(query.id)
            try await askCheckInLocation(businessID: id, context)
        case .checkInHere(let id):
            guard case .offeredCheckIn(let latitude, let longitude, let messageID, let liveUntil) = state else { throw StaleButton() }
            _ = try await ownedBusiness(id, by: context.user, mode: .berkeliling)
            try await client.answerCallbackQuery(query.id)
            let live = messageID.map { LiveShare(messageID: $0, until: Date(timeIntervalSince1970: TimeInterval(liveUntil ?? 0))) }
            try await checkIn(businessID: id, at: GeoPoint(latitude: latitude, longitude: longitude), live: live, context)
        case .close(let id):
            let business = try await ownedBusiness(id, by: context.user, mode: nil)
            try await client.answerCallbackQuery(query.id)
            try await close(business, context)
        case .reopen(let id):
            let business = try await ownedBusiness(id, by: context.user, mode: .menetap)
            try await registry.reopen(businessID: id, now: now())
            try await client.answerCallbackQuery(query.id)
            try await send(texts.text("reopened", context.language, ["name": HTML.escape(business.name)]), to: context)
        default:
            throw StaleButton()
        }
    }

    /// The business `id` if `user` may act on it (its owner, or staff), it is of `mode` (any when nil) and
    /// active — or, with `allowSuspended`, suspended (an owner may still look at and fix it). Else `StaleButton`.
    func ownedBusiness(_ id: Int64, by user: User, mode: OperatingMode?, allowSuspended: Bool = false) async throws -> Business {
        guard let business = try await registry.business(id: id), business.status != .inactive,
              allowSuspended || business.status == .active,
              business.ownerTelegramID == user.id || isStaff(user), mode == nil || business.mode == mode
        else { throw StaleButton() }
        return business
    }
}
