import Foundation
import LapakBroadcast
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// /statistik, attendee lists, /berhenti and /langganan, /halal.
struct StatisticsFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.stats, access: .staff) { context, _ in try showStatistics(context) }
        router.command(.halal, access: .staff) { context, argument in try markHalal(argument, context) }
        router.command(.unsubscribe, access: .anyone) { context, _ in try setSubscription(false, context) }
        router.command(.subscribe, access: .anyone) { context, _ in try setSubscription(true, context) }
        router.intent(.stats, runs: .stats)
        router.intent(.stop, runs: .unsubscribe)
        router.intent(.subscribe, runs: .subscribe)
        // st:ID: who will attend the event of broadcast ID.
        router.button("st", access: .staff) { context, press in try showAttendees(try press.id(0), context) }
    }

    /// /statistik: the latest broadcasts with delivery and RSVP counts; a button per attendee list.
    func showStatistics(_ context: BotContext) throws {
        let language = context.language
        let summaries = try context.outbox.recentBroadcasts(limit: 10)
        // The coaching programme (issue 13) after the broadcasts: groups and halal applications, then
        // apprenticeships and overflow orders; each empty while the programme has none.
        let programme = try programmeSection(context) + coachingSection(context)
        guard !summaries.isEmpty else { return try send(texts.text("no_broadcasts_yet", language) + programme, to: context) }
        let view = resultsView(language, context)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = settings.timeZone
        let blocks = summaries.map { summary -> String in
            let broadcast = summary.broadcast
            let day = calendar.dateComponents([.day, .month], from: broadcast.createdAt)
            // The first line of staff's text (the second of the message, after the header), as plain text.
            let plain = HTML.plain(broadcast.announcement.text)
                .split(separator: "\n").dropFirst().first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map(String.init) ?? ""
            return texts.text("statistics_entry", language, [
                "id": String(broadcast.id), "date": String(format: "%02d/%02d", day.day ?? 0, day.month ?? 0), "time": view.time(broadcast.createdAt),
                "title": HTML.escape(plain.count > 60 ? String(plain.prefix(59)) + "…" : plain), "audience": HTML.escape(describe(broadcast.announcement.audience, language)),
                "sent": Bot.number(summary.counts.sent, language), "total": Bot.number(broadcast.recipients, language),
                "failed": Bot.number(summary.counts.failed, language), "blocked": Bot.number(summary.counts.unreachable, language),
                "rsvp": broadcast.announcement.rsvpLabel == nil ? "–" : Bot.number(summary.attending, language),
                "status": texts.text("broadcast_status_\(broadcast.status.rawValue)", language),
            ])
        }
        let buttons = summaries.filter { $0.broadcast.announcement.rsvpLabel != nil }.prefix(8).map {
            [InlineKeyboardButton(text: texts.text("attendees_button", language, ["id": String($0.broadcast.id), "count": String($0.attending)]),
                                  callbackData: "st:\($0.broadcast.id)")]
        }
        try send(texts.text("statistics_header", language) + "\n\n" + blocks.joined(separator: "\n\n") + programme, to: context,
                       keyboard: buttons.isEmpty ? nil : .inlineKeyboard(InlineKeyboardMarkup(rows: Array(buttons))))
    }

    /// `st:ID`: who will attend the event of broadcast ID (staff only).
    func showAttendees(_ id: Int64, _ context: BotContext) throws {
        guard try context.outbox.broadcast(id) != nil else { throw StaleButton() }
        try context.answer()
        let attendees = try context.outbox.attendees(of: id)
        let list = attendees.enumerated().map { index, attendee in
            "\(index + 1). \(HTML.escape(attendee.name))" + (attendee.businesses.isEmpty ? "" : " — \(HTML.escape(attendee.businesses))")
        }
        try send(texts.text("attendees", context.language, ["id": String(id), "count": String(attendees.count)])
                       + (list.isEmpty ? "" : "\n" + list.prefix(100).joined(separator: "\n")), to: context)
    }

    /// "Katering · Bontang Baru · keliling · halal", or "all vendors".
    func describe(_ audience: Audience, _ language: Language) -> String {
        guard !audience.isEveryone else { return texts.text("everyone", language) }
        var parts: [String] = []
        if let category = audience.category.flatMap(bot.taxonomy.category) {
            parts.append(language == .english ? category.englishName : category.indonesianName)
        }
        if let kelurahan = audience.kelurahan { parts.append(kelurahan) }
        if let mode = audience.mode { parts.append(texts.text(mode == .menetap ? "mode_fixed_button" : "mode_mobile_button", language)) }
        if let halal = audience.halal { parts.append(texts.text(halal ? "halal_mark" : "not_halal", language)) }
        if let group = audience.groupName { parts.append("👥 " + group) }
        return parts.joined(separator: " · ")
    }

    /// /berhenti (false) and /langganan (true).
    func setSubscription(_ subscribed: Bool, _ context: BotContext) throws {
        try context.outbox.setSubscribed(subscribed, userID: context.user.id, now: context.now, handling: nil)
        try send(texts.text(subscribed ? "subscribed" : "unsubscribed", context.language), to: context, keyboard: mainKeyboard(context.language))
    }

    /// /halal ID [tidak]: staff mark a business halal certified (or not) and see its card; /halal alone
    /// shows the programme's applications.
    func markHalal(_ argument: String?, _ context: BotContext) throws {
        let language = context.language
        let words = (argument ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        // Without a number: the free certificate programme's applications, in order of arrival.
        guard let registryID = words.first else { return try bot.halalProgramme.showQueue(context) }
        guard let business = try context.registry.business(registryID: registryID) else {
            return try send(texts.text("no_such_business", language, ["id": HTML.escape(registryID)]), to: context)
        }
        let certified = !(words.dropFirst().first.map { ["tidak", "no", "bukan", "hapus", "off"].contains($0.lowercased()) } ?? false)
        let stored = try context.registry.certifyHalal(certified, ofBusiness: business.id, now: context.now)
        logger.info("Halal mark changed by staff", metadata: ["business": "\(stored.registryID)", "halal": "\(certified)", "staff_id": "\(context.user.id)"])
        try send(texts.text(certified ? "halal_marked" : "halal_unmarked", language, ["name": HTML.escape(stored.name)]), to: context)
        try send(try bot.myBusiness.card(of: stored, language, context), to: context,
                 keyboard: .inlineKeyboard(bot.myBusiness.cardKeyboard(stored, language)))
    }
}
