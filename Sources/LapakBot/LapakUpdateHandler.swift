import LapakDatabase
import Logging
import TelegramBotAPI

/// The bot's answers: routes each update to the reply it deserves.
///
/// This is the update pipeline's last stage. It knows the commands from `intents/commands.yml` and the
/// texts from `intents/replies.yml`; every string that comes from a user is HTML-escaped.
public struct LapakUpdateHandler: UpdateHandler {
    private let client: BotAPIClient
    private let texts: LanguagePack
    private let preferences: UserPreferenceStore
    private let botUsername: String?
    private let logger: Logger

    public init(client: BotAPIClient, texts: LanguagePack, preferences: UserPreferenceStore, botUsername: String?, logger: Logger) {
        self.client = client
        self.texts = texts
        self.preferences = preferences
        self.botUsername = botUsername
        self.logger = logger
    }

    public func handle(_ update: Update) async throws {
        switch update.content {
        case .message(let message):
            try await handle(message, updateID: update.updateID)
        case .callbackQuery(let query):
            // No button carries meaning yet: whatever is pressed is stale or forged.
            let language = try await language(of: query.from)
            try await client.answerCallbackQuery(query.id, text: texts.text("button_expired", language))
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
        var language = try await language(of: user)

        if let command = message.command {
            switch texts.action(forCommand: command) {
            case .start:
                try await send(message.chat.id, texts.text("start", language, ["name": HTML.escape(user.firstName)]),
                               keyboard: mainKeyboard(language))
            case .help:
                try await send(message.chat.id, texts.text("help", language), keyboard: mainKeyboard(language))
            case .language:
                language = Self.requestedLanguage(message.commandArgument) ?? (language == .indonesian ? .english : .indonesian)
                try await preferences.setLanguage(language.rawValue, of: user.id, handling: updateID)
                try await send(message.chat.id, texts.text("language_switched", language), keyboard: mainKeyboard(language))
            case nil:
                guard isPrivate else { return }
                try await send(message.chat.id, texts.text("unknown_command", language, ["command": HTML.escape("/" + command)]))
            }
            return
        }
        guard isPrivate else { return }  // in groups Lapak speaks only when called by a command

        if let text = message.text {
            if Language.allCases.contains(where: { texts.text("help_button", $0) == text }) {
                try await send(message.chat.id, texts.text("help", language), keyboard: mainKeyboard(language))
            } else {
                let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
                try await send(message.chat.id, texts.text("fallback", language, ["text": HTML.escape(shown)]))
            }
        } else if message.location != nil || message.contact != nil || message.venue != nil {
            try await send(message.chat.id, texts.text("help", language), keyboard: mainKeyboard(language))
        } else {
            try await send(message.chat.id, texts.text("no_text", language))
        }
    }

    private func language(of user: User) async throws -> Language {
        if let chosen = try await preferences.language(of: user.id), let language = Language(rawValue: chosen) {
            return language
        }
        return Language(telegramLanguageCode: user.languageCode)
    }

    private static func requestedLanguage(_ argument: String?) -> Language? {
        switch argument?.lowercased() {
        case "id", "indonesia", "indonesian", "bahasa": return .indonesian
        case "en", "english", "inggris": return .english
        default: return nil
        }
    }

    private func mainKeyboard(_ language: Language) -> ReplyMarkup {
        .replyKeyboard(ReplyKeyboardMarkup(keyboard: [[KeyboardButton(text: texts.text("help_button", language))]], resizeKeyboard: true))
    }

    private func send(_ chatID: Int64, _ text: String, keyboard: ReplyMarkup? = nil) async throws {
        try await client.sendMessage(chatID: chatID, text: text, parseMode: .html, replyMarkup: keyboard)
    }
}
