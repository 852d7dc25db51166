import Foundation
import LapakBroadcast
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// /umumkan: staff write an announcement, choose its audience with a live count, preview it and send it.
struct BroadcastFeature: BotFeature, BotFeatureServices {
    let bot: Bot

    func register(in router: inout BotRouter) {
        router.command(.broadcast, access: .staff) { context, argument in
            try startBroadcast(text: argument, state: try context.dialogState(), context)
        }
        router.intent(.broadcast, runs: .broadcast)
        router.dialog(.composingBroadcast, DialogRoute(
            holdsAnswers: true, continuedBy: [.broadcast], cancelledKey: "broadcast_cancelled",
            text: { context, state, text in
                guard case .composingBroadcast(let draft) = state else { return false }
                try broadcastText(draft, text: text, context)
                return true
            },
            askAgain: { context, state in
                guard case .composingBroadcast(let draft) = state else { return }
                if draft.text == nil {
                    try send(texts.text("ask_announcement", context.language, ["max": String(maxAnnouncementLength)]), to: context)
                } else {
                    try showAudiencePanel(draft, editing: nil, context)
                }
            }))
        // b:OPERATION[:ARGUMENT]: the composing panel, for staff with a draft.
        router.button("b", access: .staff, arguments: 1...2) { context, press in
            let state = try context.dialogState()
            try broadcastButton(press.arguments[0], press.argument(1), query: press.query, state: state, context)
        }
        // bs:ID: stop a broadcast in progress.
        router.button("bs", access: .staff) { context, press in try stopBroadcast(try press.id(0), context) }
        // r:ID: a vendor's "✋ Ikut" under an announcement (r:0 in a preview).
        router.button("r", access: .anyone) { context, press in
            let id = try press.id(0)
            guard id >= 0 else { throw StaleButton() }
            try rsvpButton(id, context)
        }
    }

    /// /umumkan [text]: staff only; the text may come with the command or as the next message. During an
    /// announcement being written, a text replaces the draft's text (the audience is kept); none resumes it.
    func startBroadcast(text: String?, state: DialogState?, _ context: BotContext) throws {
        if case .composingBroadcast(let draft) = state {
            guard let text, !text.isEmpty else { return try context.askAgain(state!) }
            return try broadcastText(draft, text: text, context)
        }
        var draft = BroadcastDraft()
        if let text, !text.isEmpty {
            guard let problem = announcementProblem(text, html: false, context.language) else {
                draft.text = text
                try saveBroadcast(draft, context)
                return try showAudiencePanel(draft, editing: nil, context)
            }
            try send(problem, to: context)
        }
        try saveBroadcast(draft, context)
        try send(texts.text("ask_announcement", context.language, ["max": String(maxAnnouncementLength)]), to: context,
                       keyboard: .replyKeyboard(ReplyKeyboardMarkup(keyboard: [[KeyboardButton(text: texts.text("cancel_button", context.language))]],
                                                                    resizeKeyboard: true)))
    }

    /// Text typed while composing: the announcement itself (a later message replaces it).
    func broadcastText(_ draft: BroadcastDraft, text: String, _ context: BotContext) throws {
        if let problem = announcementProblem(text, html: draft.html, context.language) { return try send(problem, to: context) }
        var draft = draft
        draft.text = text
        try saveBroadcast(draft, context)
        try send(texts.text("announcement_received", context.language), to: context, keyboard: mainKeyboard(context.language))
        try showAudiencePanel(draft, editing: nil, context)
    }

    /// Room left for staff's text once the frame (header, /berhenti line) is added: Telegram's limit is 4096.
    var maxAnnouncementLength: Int { 4096 - frameLength }

    private var frameLength: Int { HTML.plainLength(renderAnnouncement("", html: true)) }

    /// Why the text cannot be sent, or nil.
    private func announcementProblem(_ text: String, html: Bool, _ language: Language) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return texts.text("announcement_empty", language) }
        let length = html ? HTML.plainLength(trimmed) : trimmed.utf16.count
        if length > maxAnnouncementLength {
            return texts.text("announcement_too_long", language, ["length": String(length), "max": String(maxAnnouncementLength)])
        }
        if html, let problem = HTML.validate(trimmed) {
            return texts.text("announcement_bad_html", language, ["problem": HTML.escape(problem)])
        }
        return nil
    }

    /// The message exactly as vendors get it.
    func renderAnnouncement(_ text: String, html: Bool) -> String {
        let body = html ? text.trimmingCharacters(in: .whitespacesAndNewlines) : HTML.escape(text.trimmingCharacters(in: .whitespacesAndNewlines))
        return texts.text("announcement_frame", .indonesian, ["text": body])
    }

    private func saveBroadcast(_ draft: BroadcastDraft, _ context: BotContext) throws {
        try context.setDialogState(DialogState.composingBroadcast(draft))
    }

    /// The audience panel: filters as buttons, the recipient count live; edited in place when `editing`.
    func showAudiencePanel(_ draft: BroadcastDraft, editing message: Message?, _ context: BotContext) throws {
        let language = context.language
        let count = try context.outbox.recipientCount(draft.audience)
        let audience = draft.audience
        let any = texts.text("filter_any", language)
        let category = audience.category.flatMap(bot.taxonomy.category).map { "\($0.emoji) \(language == .english ? $0.englishName : $0.indonesianName)" } ?? any
        let mode = audience.mode.map { texts.text($0 == .menetap ? "mode_fixed_button" : "mode_mobile_button", language) } ?? any
        let halal = audience.halal.map { texts.text($0 ? "halal_yes_button" : "halal_no_button", language) } ?? any
        var text = texts.text("audience_panel", language, [
            "count": Bot.number(count, language), "category": HTML.escape(category), "kelurahan": HTML.escape(audience.kelurahan ?? any),
            "mode": mode, "halal": halal,
            "rsvp": texts.text(draft.rsvp ? "yes_word" : "no_word", language), "format": texts.text(draft.html ? "format_html" : "format_plain", language),
        ])
        if let group = audience.groupName {
            text += "\n" + texts.text("audience_group_line", language, ["name": HTML.escape(group)])
        }
        func button(_ key: String, _ data: String, _ values: [String: String] = [:]) -> InlineKeyboardButton {
            InlineKeyboardButton(text: texts.text(key, language, values), callbackData: "b:\(data)")
        }
        let keyboard = InlineKeyboardMarkup(rows: [
            [button("filter_category_button", "cat", ["value": category]), button("filter_kelurahan_button", "kel", ["value": audience.kelurahan ?? any])],
            [button("filter_mode_button", "mode", ["value": mode]), button("filter_halal_button", "halal", ["value": halal])],
            [button(draft.rsvp ? "rsvp_on_button" : "rsvp_off_button", "rsvp"), button(draft.html ? "html_on_button" : "html_off_button", "html")],
            [button("everyone_button", "all"), button("preview_button", "preview")],
            [button("cancel_inline_button", "cancel")],
            // Last, so the buttons above keep their places (the demo and people's habits press them by position).
            [button("filter_group_button", "grp", ["value": audience.groupName ?? any])],
        ])
        if message != nil {
            try context.editPressedMessage(text, keyboard: keyboard)
        } else {
            try send(text, to: context, keyboard: .inlineKeyboard(keyboard))
        }
    }

    /// `b:operation[:argument]`: a button of the composing panel, for staff with a draft only.
    func broadcastButton(_ operation: String, _ argument: String?, query: CallbackQuery, state: DialogState?, _ context: BotContext) throws {
        guard case .composingBroadcast(var draft) = state, draft.text != nil else { throw StaleButton() }
        let language = context.language
        let message = query.message
        switch operation {
        case "cat":
            try context.answer()
            guard message != nil else { return }
            var keyboard = categoryKeyboard(page: 0, language, prefix: "b:")
            keyboard.rows.insert([InlineKeyboardButton(text: texts.text("filter_any_button", language), callbackData: "b:k:*")], at: 0)
            try context.editPressedKeyboard(keyboard)
            return
        case "c":
            guard let page = argument.flatMap(Int.init), message != nil else { throw StaleButton() }
            try context.answer()
            var keyboard = categoryKeyboard(page: page, language, prefix: "b:")
            keyboard.rows.insert([InlineKeyboardButton(text: texts.text("filter_any_button", language), callbackData: "b:k:*")], at: 0)
            try context.editPressedKeyboard(keyboard)
            return
        case "k":
            guard let slug = argument, slug == "*" || bot.taxonomy.category(slug) != nil else { throw StaleButton() }
            draft.audience.category = slug == "*" ? nil : slug
        case "kel":
            try context.answer()
            guard message != nil else { return }
            var rows = [[InlineKeyboardButton(text: texts.text("filter_any_button", language), callbackData: "b:l:*")]]
            let buttons = Kelurahan.bontang.enumerated().map { InlineKeyboardButton(text: $0.element.name, callbackData: "b:l:\($0.offset)") }
            rows += stride(from: 0, to: buttons.count, by: 3).map { Array(buttons[$0..<min($0 + 3, buttons.count)]) }
            try context.editPressedKeyboard(InlineKeyboardMarkup(rows: rows))
            return
        case "l":
            if argument == "*" {
                draft.audience.kelurahan = nil
            } else {
                guard let index = argument.flatMap(Int.init), Kelurahan.bontang.indices.contains(index) else { throw StaleButton() }
                draft.audience.kelurahan = Kelurahan.bontang[index].name
            }
        case "grp":
            // The business groups (issue 13): the announcement goes to their members only.
            try context.answer()
            guard message != nil else { return }
            var rows = [[InlineKeyboardButton(text: texts.text("filter_any_button", language), callbackData: "b:g:*")]]
            rows += try context.registry.businessGroups(limit: 20).map { [InlineKeyboardButton(text: "👥 \($0.name)", callbackData: "b:g:\($0.id)")] }
            try context.editPressedKeyboard(InlineKeyboardMarkup(rows: rows))
            return
        case "g":
            if argument == "*" {
                draft.audience.groupID = nil
                draft.audience.groupName = nil
            } else {
                guard let id = argument.flatMap(Int64.init), let group = try context.registry.businessGroup(id: id) else { throw StaleButton() }
                draft.audience.groupID = group.id
                draft.audience.groupName = group.name
            }
        case "mode":
            draft.audience.mode = switch draft.audience.mode { case nil: .menetap; case .menetap: .berkeliling; case .berkeliling: nil }
        case "halal":
            draft.audience.halal = switch draft.audience.halal { case nil: true; case true: false; case false: nil }
        case "rsvp":
            draft.rsvp.toggle()
        case "html":
            if !draft.html, let problem = announcementProblem(draft.text ?? "", html: true, language) {
                _ = try context.answer(String(HTML.plain(problem).prefix(190)), alert: true)
                return
            }
            draft.html.toggle()
        case "all":
            draft.audience = Audience()
        case "preview":
            try context.answer()
            return try preview(draft, context)
        case "back":
            try context.answer()
            return try showAudiencePanel(draft, editing: nil, context)
        case "send":
            try context.answer()
            return try sendBroadcast(draft, confirmation: message, context)
        case "cancel":
            try context.answer()
            try context.setDialogState(nil)
            return try send(texts.text("broadcast_cancelled", language), to: context, keyboard: mainKeyboard(language))
        default:
            throw StaleButton()
        }
        try context.answer()
        try saveBroadcast(draft, context)
        try showAudiencePanel(draft, editing: message, context)
    }

    /// The announcement as vendors will see it, then Kirim / Ubah / Batal.
    private func preview(_ draft: BroadcastDraft, _ context: BotContext) throws {
        let language = context.language
        let count = try context.outbox.recipientCount(draft.audience)
        let rsvp: ReplyMarkup? = draft.rsvp
            ? .inlineKeyboard(InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: texts.text("rsvp_button", .indonesian), callbackData: "r:0")]]))
            : nil
        try send(texts.text("preview_header", language), to: context)
        try send(renderAnnouncement(draft.text ?? "", html: draft.html), to: context, keyboard: rsvp)
        var buttons = [InlineKeyboardButton(text: texts.text("change_button", language), callbackData: "b:back"),
                       InlineKeyboardButton(text: texts.text("cancel_inline_button", language), callbackData: "b:cancel")]
        if count > 0 { buttons.insert(InlineKeyboardButton(text: texts.text("send_broadcast_button", language), callbackData: "b:send"), at: 0) }
        try send(texts.text(count > 0 ? "confirm_broadcast" : "no_recipients", language, ["count": Bot.number(count, language)]), to: context,
                       keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: [buttons])))
    }

    /// Writes the outbox (one row per recipient) and shows the progress message the sender will edit.
    private func sendBroadcast(_ draft: BroadcastDraft, confirmation: Message?, _ context: BotContext) throws {
        let language = context.language
        let announcement = Announcement(staffID: context.user.id, staffChatID: context.chatID,
                                        text: renderAnnouncement(draft.text ?? "", html: draft.html), audience: draft.audience,
                                        rsvpLabel: draft.rsvp ? texts.text("rsvp_button", .indonesian) : nil)
        // The draft is cleared in the same transaction that writes the outbox: a redelivered "Kirim" cannot send twice.
        let broadcast = try context.outbox.start(announcement, now: context.now)
        try context.setDialogState(nil)
        logger.info("Broadcast created", metadata: ["broadcast": "\(broadcast.id)", "recipients": "\(broadcast.recipients)",
                                                     "staff_id": "\(context.user.id)"])
        if confirmation != nil { try context.editPressedKeyboard(nil) }
        // The progress message is a reply like any other; the sender reads its message id from the outbox row.
        let progress = try context.send(BroadcastReporter.progressText(texts, language, counts: DeliveryCounts(), total: broadcast.recipients),
                                        keyboard: .inlineKeyboard(BroadcastReporter.stopKeyboard(texts, language, broadcast.id)))
        try context.outbox.setProgressReply(progress, of: broadcast.id)
    }

    /// `bs:ID`: staff stop a broadcast in progress; the rest is skipped.
    func stopBroadcast(_ id: Int64, _ context: BotContext) throws {
        guard let broadcast = try context.outbox.broadcast(id), broadcast.status == .sending else { throw StaleButton() }
        try context.outbox.close(id, as: .stopped, now: context.now)
        logger.info("Broadcast stopped by staff", metadata: ["broadcast": "\(id)", "staff_id": "\(context.user.id)"])
        try context.answer(texts.text("broadcast_stopping", context.language))
    }

    /// `r:ID`: a vendor's "✋ Ikut" under an announcement.
    func rsvpButton(_ id: Int64, _ context: BotContext) throws {
        let language = context.language
        if id == 0 {
            _ = try context.answer(texts.text("rsvp_preview", language))
            return
        }
        let name = [context.user.firstName, context.user.lastName].compactMap { $0 }.joined(separator: " ")
        switch try context.outbox.rsvp(id, userID: context.user.id, name: name, now: context.now, handling: nil) {
        case .recorded: try context.answer(texts.text("rsvp_recorded", language), alert: true)
        case .alreadyRecorded: try context.answer(texts.text("rsvp_already", language))
        case .notInvited: throw StaleButton()
        }
    }
}
