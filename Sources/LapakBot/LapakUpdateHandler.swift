import Foundation
import LapakDatabase
import LapakLanguage
import LapakRegistry
import Logging
import TelegramBotAPI

/// Settings the conversation needs, taken from the configuration.
public struct ConversationSettings: Sendable {
    /// Telegram user ids of the agency's staff.
    public var staffIDs: Set<Int64>
    /// Local time for "here since 10.15".
    public var timeZone: TimeZone
    /// Results farther than this are never shown (metres).
    public var maxDistance: Double
    /// How long a shared location is remembered (seconds).
    public var locationWindow: TimeInterval
    /// How long search buttons keep working (seconds).
    public var buttonLifetime: TimeInterval

    public init(staffIDs: Set<Int64> = [], timeZone: TimeZone = TimeZone(identifier: "Asia/Makassar")!, maxDistance: Double = 25_000,
                locationWindow: TimeInterval = 30 * 60, buttonLifetime: TimeInterval = 24 * 3600) {
        self.staffIDs = staffIDs
        self.timeZone = timeZone
        self.maxDistance = maxDistance
        self.locationWindow = locationWindow
        self.buttonLifetime = buttonLifetime
    }
}

/// The bot's answers: routes each update to the reply it deserves.
///
/// Commands come from `intents/commands.yml`, free text is understood by the `IntentMatcher`, texts come
/// from `intents/replies.yml`; every string from a user or the registry is HTML-escaped. Dialog state
/// lives in SQLite, so a restart in the middle of a conversation continues where the user was.
public struct LapakUpdateHandler: UpdateHandler {
    let client: BotAPIClient
    let texts: LanguagePack
    let matcher: IntentMatcher
    let registry: Registry
    let preferences: UserPreferenceStore
    let conversations: ConversationStore
    let settings: ConversationSettings
    let botUsername: String?
    let logger: Logger
    let now: @Sendable () -> Date

    public init(client: BotAPIClient, texts: LanguagePack, matcher: IntentMatcher, registry: Registry, settings: ConversationSettings,
                botUsername: String?, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.client = client
        self.texts = texts
        self.matcher = matcher
        self.registry = registry
        self.preferences = UserPreferenceStore(database: registry.database)
        self.conversations = ConversationStore(database: registry.database)
        self.settings = settings
        self.botUsername = botUsername
        self.logger = logger
        self.now = now
    }

    public func handle(_ update: Update) async throws {
        switch update.content {
        case .message(let message):
            try await handle(message, updateID: update.updateID)
        case .callbackQuery(let query):
            try await handle(query, updateID: update.updateID)
        case .editedMessage, .unhandled:
            return
        }
    }

    private func handle(_ message: Message, updateID: Int64) async throws {
        guard let user = message.from, !user.isBot else { return }
        let isPrivate = message.chat.kind == .privateChat
        if let target = message.commandTarget, let botUsername, target.lowercased() != botUsername.lowercased() {
            return  // a command for another bot in a group
        }
        let language = try await language(of: user)
        let context = ReplyContext(chatID: message.chat.id, user: user, language: language, updateID: updateID)

        if let command = message.command {
            try await handle(command: command, argument: message.commandArgument, context)
            return
        }
        guard isPrivate else { return }  // in groups Lapak speaks only when called by a command

        if let location = message.location ?? message.venue?.location {
            try await received(location: GeoPoint(latitude: location.latitude, longitude: location.longitude), context)
        } else if let text = message.text {
            try await handle(text: text, context)
        } else if message.contact != nil {
            try await send(texts.text("vendor_soon", language), to: context, keyboard: mainKeyboard(language))
        } else {
            try await send(texts.text("no_text", language), to: context)
        }
    }

    private func handle(command: String, argument: String?, _ context: ReplyContext) async throws {
        let language = context.language
        switch texts.action(forCommand: command) {
        case .start:
            try await conversations.setState(nil, of: context.user.id, handling: nil)
            try await send(texts.text("start", language, ["name": HTML.escape(context.user.firstName)]), to: context, keyboard: mainKeyboard(language))
        case .help:
            try await send(texts.text("help", language), to: context, keyboard: mainKeyboard(language))
        case .find:
            let understanding = argument.map(matcher.understand) ?? Understanding(intent: .findNearby)
            try await findNearby(category: understanding.category, halalOnly: understanding.halalOnly, context)
        case .cancel:
            try await cancel(context)
        case .language:
            try await switchLanguage(to: Self.requestedLanguage(argument), context)
        case nil:
            try await send(texts.text("unknown_command", language, ["command": HTML.escape("/" + command)]), to: context)
        }
    }

    private func handle(text: String, _ context: ReplyContext) async throws {
        let language = context.language
        // The main keyboard's buttons arrive as their labels, in whichever language the keyboard was shown.
        if matchesButton(text, "help_button") { return try await send(texts.text("help", language), to: context, keyboard: mainKeyboard(language)) }
        if matchesButton(text, "cancel_button") { return try await cancel(context) }
        if matchesButton(text, "search_button") { return try await findNearby(category: nil, halalOnly: false, context) }

        let understanding = matcher.understand(text)
        switch understanding.intent {
        case .findNearby:
            try await findNearby(category: understanding.category, halalOnly: understanding.halalOnly, context)
        case .start:
            try await send(texts.text("start", language, ["name": HTML.escape(context.user.firstName)]), to: context, keyboard: mainKeyboard(language))
        case .help:
            try await send(texts.text("help", language), to: context, keyboard: mainKeyboard(language))
        case .cancel:
            try await cancel(context)
        case .language:
            try await switchLanguage(to: nil, context)
        case .broadcast, .stats:
            let key = settings.staffIDs.contains(context.user.id) ? "vendor_soon" : "staff_only"
            try await send(texts.text(key, language), to: context)
        case .register, .checkin, .checkout, .myBusiness, .stop, .subscribe:
            try await send(texts.text("vendor_soon", language), to: context, keyboard: mainKeyboard(language))
        case .fallback:
            let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
            try await send(texts.text("fallback", language, ["text": HTML.escape(shown)]), to: context, keyboard: mainKeyboard(language))
        }
    }

    /// Switches to `requested`, or to the other language when none is named; the choice is stored.
    private func switchLanguage(to requested: Language?, _ context: ReplyContext) async throws {
        let chosen = requested ?? (context.language == .indonesian ? .english : .indonesian)
        try await preferences.setLanguage(chosen.rawValue, of: context.user.id, handling: context.updateID)
        try await send(texts.text("language_switched", chosen), to: context.in(chosen), keyboard: mainKeyboard(chosen))
    }

    private func cancel(_ context: ReplyContext) async throws {
        let pending = try await conversations.state(of: context.user.id)
        try await conversations.setState(nil, of: context.user.id, handling: context.updateID)
        try await send(texts.text(pending == nil ? "nothing_to_cancel" : "cancelled", context.language), to: context,
                       keyboard: mainKeyboard(context.language))
    }

    // MARK: - Shared helpers

    func language(of user: User) async throws -> Language {
        if let chosen = try await preferences.language(of: user.id), let language = Language(rawValue: chosen) {
            return language
        }
        return Language(telegramLanguageCode: user.languageCode)
    }

    private func matchesButton(_ text: String, _ key: String) -> Bool {
        Language.allCases.contains { texts.text(key, $0) == text }
    }

    private static func requestedLanguage(_ argument: String?) -> Language? {
        switch argument?.lowercased() {
        case "id", "indonesia", "indonesian", "bahasa": return .indonesian
        case "en", "english", "inggris": return .english
        default: return nil
        }
    }

    /// The reply keyboard of the main choices.
    func mainKeyboard(_ language: Language) -> ReplyMarkup {
        .replyKeyboard(ReplyKeyboardMarkup(keyboard: [
            [KeyboardButton(text: texts.text("search_button", language)),
             KeyboardButton(text: texts.text("share_location_button", language), requestLocation: true)],
            [KeyboardButton(text: texts.text("help_button", language))],
        ], resizeKeyboard: true, isPersistent: true))
    }

    func send(_ text: String, to context: ReplyContext, keyboard: ReplyMarkup? = nil) async throws {
        try await client.sendMessage(chatID: context.chatID, text: text, parseMode: .html, replyMarkup: keyboard)
    }
}

/// Who is being answered, where, and in which language.
struct ReplyContext: Sendable {
    var chatID: Int64
    var user: User
    var language: Language
    var updateID: Int64

    func `in`(_ language: Language) -> ReplyContext {
        var copy = self
        copy.language = language
        return copy
    }
}
