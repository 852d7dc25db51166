import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// During an apprenticeship: the weekly "Sudah bertemu minggu ini?" with a topic and a note, and the
/// closing 1-5 rating with a comment. The questions are sent by `CoachingScheduler`; the answers land here.
extension ApprenticeshipFeature {
    /// The topics a meeting can be about, as reply keys; the stored value is the key's suffix.
    static let topics = ["management", "production", "finance", "marketing", "licensing"]
    /// The longest note or comment kept.
    static let maxNoteLength = 500

    /// The reminder's message for one side: its text and buttons in `language`, or nil when the side's
    /// business has no Telegram owner any more.
    static func reminderMessage(_ reminder: DueReminder, texts: LanguagePack, language: Language, beginner: Business,
                                mentor: Business) -> (text: String, keyboard: InlineKeyboardMarkup) {
        let names = ["beginner": HTML.escape(beginner.name), "mentor": HTML.escape(mentor.name)]
        let id = reminder.apprenticeshipID
        switch reminder.kind {
        case .checkIn:
            return (texts.text("apprenticeship_checkin_question", language, names.merging(["week": String(reminder.week)]) { $1 }),
                    InlineKeyboardMarkup(rows: [[
                        InlineKeyboardButton(text: texts.text("met_yes_button", language), callbackData: "ac:\(id):\(reminder.week):y"),
                        InlineKeyboardButton(text: texts.text("met_no_button", language), callbackData: "ac:\(id):\(reminder.week):n"),
                    ]]))
        case .rating:
            return (texts.text("apprenticeship_rating_question", language, names),
                    InlineKeyboardMarkup(rows: [(1...5).map { InlineKeyboardButton(text: "\($0) ⭐", callbackData: "ar:\(id):\($0)") }]))
        }
    }

    /// `ac:ID:WEEK:y|n`: a side says whether they met. "Yes" asks for the topic; "not yet" is recorded.
    func reportMeeting(_ id: Int64, week: Int, met: Bool, _ context: BotContext) throws {
        guard let apprenticeship = try context.registry.apprenticeship(id), apprenticeship.status == .active || apprenticeship.status == .finished,
              (1...apprenticeship.weeks).contains(week), let side = try side(of: apprenticeship, for: context.user.id, context) else {
            throw StaleButton()
        }
        let reportID = try context.registry.reportMeeting(id, week: week, side: side, met: met, now: context.now)
        try context.answer()
        try context.editPressedKeyboard(nil)
        guard met else { return try send(texts.text("apprenticeship_not_met_noted", context.language), to: context) }
        let language = context.language
        var rows = Self.topics.map { [InlineKeyboardButton(text: texts.text("topic_\($0)", language), callbackData: "at:\(reportID):\($0)")] }
        rows.append([InlineKeyboardButton(text: texts.text("skip_button", language), callbackData: "at:\(reportID):none")])
        try send(texts.text("apprenticeship_ask_topic", language), to: context, keyboard: .inlineKeyboard(InlineKeyboardMarkup(rows: rows)))
    }

    /// `at:REPORT:TOPIC`: the topic of a meeting, then the optional note.
    func chooseTopic(_ reportID: Int64, topic: String, _ context: BotContext) throws {
        guard Self.topics.contains(topic) || topic == "none", try ownsReport(reportID, context) else { throw StaleButton() }
        if topic != "none" { try context.registry.setReportTopic(reportID, topic: topic) }
        try context.answer()
        try context.editPressedKeyboard(nil)
        try context.setDialogState(.writingReportNote(reportID: reportID))
        try askNote(reportID, context)
    }

    /// `ar:ID:N`: a side's closing rating, then the optional comment.
    func rate(_ id: Int64, rating: Int, _ context: BotContext) throws {
        guard (1...5).contains(rating), let apprenticeship = try context.registry.apprenticeship(id),
              apprenticeship.status == .active || apprenticeship.status == .finished,
              let side = try side(of: apprenticeship, for: context.user.id, context) else { throw StaleButton() }
        let reportID = try context.registry.rateApprenticeship(id, side: side, rating: rating, now: context.now)
        try context.answer()
        try context.editPressedKeyboard(nil)
        try context.setDialogState(.writingReportNote(reportID: reportID))
        try send(texts.text("apprenticeship_ask_comment", context.language), to: context, keyboard: skipKeyboard(reportID, context.language))
    }

    /// Asks for the note of a report, with Lewati.
    func askNote(_ reportID: Int64, _ context: BotContext) throws {
        try send(texts.text("apprenticeship_ask_note", context.language), to: context, keyboard: skipKeyboard(reportID, context.language))
    }

    /// The note or comment typed; a too long one is refused with its length and the dialog waits.
    func writeNote(_ reportID: Int64, text: String, _ context: BotContext) throws {
        let note = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard note.count <= Self.maxNoteLength else {
            return try send(texts.text("note_too_long", context.language, ["count": String(note.count)]), to: context)
        }
        guard try ownsReport(reportID, context) else {
            try context.setDialogState(nil)
            return try send(texts.text("apprenticeship_noted", context.language), to: context)
        }
        try context.registry.setReportNote(reportID, note: note)
        try context.setDialogState(nil)
        try send(texts.text("apprenticeship_noted", context.language), to: context)
    }

    /// `an:REPORT`: no note.
    func skipNote(_ reportID: Int64, _ context: BotContext) throws {
        guard try ownsReport(reportID, context) else { throw StaleButton() }
        if case .writingReportNote(reportID)? = try context.dialogState() { try context.setDialogState(nil) }
        try context.answer()
        try context.editPressedKeyboard(nil)
        try send(texts.text("apprenticeship_noted", context.language), to: context)
    }

    private func skipKeyboard(_ reportID: Int64, _ language: Language) -> ReplyMarkup {
        .inlineKeyboard(InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: texts.text("skip_button", language), callbackData: "an:\(reportID)")]]))
    }

    /// Whether the presser answers for the side the report belongs to.
    private func ownsReport(_ reportID: Int64, _ context: BotContext) throws -> Bool {
        guard let (apprenticeshipID, side) = try context.registry.reportOwner(reportID),
              let apprenticeship = try context.registry.apprenticeship(apprenticeshipID) else { return false }
        return try context.registry.business(id: apprenticeship.business(on: side))?.ownerTelegramID == context.user.id
    }
}
