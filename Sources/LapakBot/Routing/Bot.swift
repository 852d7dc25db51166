import Foundation
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// What every feature shares: the language data, the matcher, the taxonomy, the settings, the logger,
/// and the small views several features show (the main keyboard, category buttons, result lists).
struct Bot: Sendable {
    let texts: LanguagePack
    let matcher: IntentMatcher
    let taxonomy: CategoryTaxonomy
    let settings: ConversationSettings
    let logger: Logger

    // The features, so one can ask another's question (a dialog resumed, a card shown).
    var general: GeneralFeature { GeneralFeature(bot: self) }
    var search: SearchFeature { SearchFeature(bot: self) }
    var enrollment: EnrollmentFeature { EnrollmentFeature(bot: self) }
    var checkIn: CheckInFeature { CheckInFeature(bot: self) }
    var myBusiness: MyBusinessFeature { MyBusinessFeature(bot: self) }
    var staff: StaffFeature { StaffFeature(bot: self) }
    var broadcast: BroadcastFeature { BroadcastFeature(bot: self) }
    var statistics: StatisticsFeature { StatisticsFeature(bot: self) }
    var smallTalk: SmallTalkFeature { SmallTalkFeature(bot: self) }
    // Coaching programme (issue 13): business groups and the halal certificate programme.
    var businessGroups: BusinessGroupFeature { BusinessGroupFeature(bot: self) }
    var halalProgramme: HalalProgrammeFeature { HalalProgrammeFeature(bot: self) }
    var apprenticeship: ApprenticeshipFeature { ApprenticeshipFeature(bot: self) }
    var overflowOrder: OverflowOrderFeature { OverflowOrderFeature(bot: self) }

    /// Every feature's routes, built once at start.
    func router() -> BotRouter {
        var router = BotRouter()
        router.add(general)
        router.add(search)
        router.add(enrollment)
        router.add(checkIn)
        router.add(myBusiness)
        router.add(staff)
        router.add(broadcast)
        router.add(statistics)
        router.add(smallTalk)
        router.add(businessGroups)
        router.add(halalProgramme)
        router.add(apprenticeship)
        router.add(overflowOrder)
        return router
    }

    /// The reply keyboard of the main choices.
    func mainKeyboard(_ language: Language) -> ReplyMarkup {
        .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
            [KeyboardButton(text: texts.text("search_button", language)),
             KeyboardButton(text: texts.text("share_location_button", language), requestLocation: true)],
            [KeyboardButton(text: texts.text("my_business_button", language)), KeyboardButton(text: texts.text("help_button", language))],
        ], resizeKeyboard: true, isPersistent: true))
    }

    /// Whether `text` is the label of the keyboard button `key` in any language.
    func matchesButton(_ text: String, _ key: String) -> Bool {
        Language.allCases.contains { texts.text(key, $0) == text }
    }

    /// When a live location shared now for `period` seconds stops (Telegram's 0x7FFFFFFF means "until I stop").
    /// Measured from the bot's clock rather than the message date, so all expiry uses one clock.
    func liveEnd(period: Int, now: Date) -> Date {
        period >= 0x7FFF_FFFF ? .distantFuture : now.addingTimeInterval(TimeInterval(period))
    }

    /// "katering" → "katering", nil → "usaha".
    func label(of category: String?, _ language: Language) -> String {
        guard let category, let entry = taxonomy.category(category) else { return texts.text("any_business", language) }
        return language == .english ? entry.englishName.lowercased() : entry.indonesianName.lowercased()
    }

    /// How results are written for `language`, with live locations that went silent shown as "last seen".
    func resultsView(_ language: Language, now: Date) -> SearchResultsView {
        SearchResultsView(texts: texts, taxonomy: taxonomy, language: language, timeZone: settings.timeZone, now: now,
                          liveSilenceLimit: settings.liveSilenceLimit)
    }

    /// The taxonomy as buttons, eight to a page, with a button to the next page; `prefix` tells whose buttons they are
    /// ("" for a search, "e:" for enrollment, "u:ID:" for an edit).
    func categoryKeyboard(page: Int, _ language: Language, prefix: String = "") -> InlineKeyboardMarkup {
        let perPage = 8
        let categories = taxonomy.categories
        let pages = max(1, (categories.count + perPage - 1) / perPage)
        let current = min(max(page, 0), pages - 1)
        let slice = categories.dropFirst(current * perPage).prefix(perPage)
        var rows: [[InlineKeyboardButton]] = stride(from: slice.startIndex, to: slice.endIndex, by: 2).map { index in
            slice[index..<min(index + 2, slice.endIndex)].map { category in
                InlineKeyboardButton(text: "\(category.emoji) \(language == .english ? category.englishName : category.indonesianName)",
                                     callbackData: "\(prefix)k:\(category.slug)")
            }
        }
        rows.append([InlineKeyboardButton(text: texts.text("more_kinds_button", language), callbackData: "\(prefix)c:\((current + 1) % pages)")])
        return InlineKeyboardMarkup(rows: rows)
    }

    /// 16000 → "16.000" in Indonesian, "16,000" in English.
    static func number(_ value: Int, _ language: Language) -> String {
        let digits = String(value)
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return groups.joined(separator: language == .english ? "," : ".")
    }
}

/// A feature is a small value over the shared `Bot`; these spare every handler the `bot.` prefix.
protocol BotFeatureServices {
    var bot: Bot { get }
}

extension BotFeatureServices {
    var texts: LanguagePack { bot.texts }
    var matcher: IntentMatcher { bot.matcher }
    var settings: ConversationSettings { bot.settings }
    var logger: Logger { bot.logger }

    /// Sends an HTML text to the context's chat.
    func send(_ text: String, to context: BotContext, keyboard: ReplyMarkup? = nil) throws {
        try context.send(text, keyboard: keyboard)
    }

    func mainKeyboard(_ language: Language) -> ReplyMarkup { bot.mainKeyboard(language) }
    func label(of category: String?, _ language: Language) -> String { bot.label(of: category, language) }
    func categoryKeyboard(page: Int, _ language: Language, prefix: String = "") -> InlineKeyboardMarkup {
        bot.categoryKeyboard(page: page, language, prefix: prefix)
    }
    func resultsView(_ context: BotContext) -> SearchResultsView { bot.resultsView(context.language, now: context.now) }
    func resultsView(_ language: Language, _ context: BotContext) -> SearchResultsView { bot.resultsView(language, now: context.now) }
}
