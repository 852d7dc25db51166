import Foundation
import LapakBroadcast
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
    /// A live location silent for longer than this is shown as "last seen HH.MM" (seconds).
    public var liveSilenceLimit: TimeInterval
    /// Shops and check-ins must lie inside this box (the city and its surroundings).
    public var region: GeoBox

    public init(staffIDs: Set<Int64> = [], timeZone: TimeZone = TimeZone(identifier: "Asia/Makassar")!, maxDistance: Double = 25_000,
                locationWindow: TimeInterval = 30 * 60, buttonLifetime: TimeInterval = 24 * 3600, liveSilenceLimit: TimeInterval = 15 * 60,
                region: GeoBox = .bontang) {
        self.staffIDs = staffIDs
        self.timeZone = timeZone
        self.maxDistance = maxDistance
        self.locationWindow = locationWindow
        self.buttonLifetime = buttonLifetime
        self.liveSilenceLimit = liveSilenceLimit
        self.region = region
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
    let outbox: Outbox
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
        self.outbox = Outbox(database: registry.database)
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
        case .editedMessage(let message):
            try await handleEdit(message, updateID: update.updateID)
        case .unhandled:
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
        let state = DialogState(json: try await conversations.state(of: user.id))

        if let command = message.command {
            try await handle(command: command, argument: message.commandArgument, state: state, context)
            return
        }
        guard isPrivate else { return }  // in groups Lapak speaks only when called by a command

        if let location = message.location ?? message.venue?.location {
            let point = GeoPoint(latitude: location.latitude, longitude: location.longitude)
            let live = location.livePeriod.map { LiveShare(messageID: message.messageID, until: liveEnd(period: $0)) }
            try await received(location: point, live: live, state: state, context)
        } else if let text = message.text {
            try await handle(text: text, state: state, context)
        } else if let contact = message.contact {
            try await received(contact: contact, state: state, context)
        } else {
            try await send(texts.text("no_text", language), to: context)
            if let state, state.isVendorDialog { try await askAgain(state, context) }  // the dialog is still waiting
        }
    }

    private func handle(command: String, argument: String?, state: DialogState?, _ context: ReplyContext) async throws {
        let language = context.language
        let action = texts.action(forCommand: command)
        // A vendor in the middle of enrolling or editing is not thrown out by another command: nothing typed so far is lost.
        if let state, state.isVendorDialog, let action, !action.continues(state) {
            try await send(texts.text("dialog_in_progress", language), to: context)
            return try await askAgain(state, context)
        }
        switch action {
        case .start:
            try await conversations.setState(nil, of: context.user.id, handling: nil)  // /start begins afresh
            try await perform(.start, argument: nil, state: nil, context)
        case .find:
            let understanding = argument.map(matcher.understand) ?? Understanding(intent: .findNearby)
            try await findNearby(category: understanding.category, halalOnly: understanding.halalOnly, context)
        case .language:
            try await switchLanguage(to: Self.requestedLanguage(argument), context)
        case let action?:
            try await perform(action, argument: argument, state: state, context)
        case nil:
            try await send(texts.text("unknown_command", language, ["command": HTML.escape("/" + command)]), to: context)
        }
    }

    /// What a command or the same request in free text does (the actions both ways share).
    private func perform(_ action: CommandAction, argument: String?, state: DialogState?, _ context: ReplyContext) async throws {
        switch action {
        case .start:
            try await send(texts.text("start", context.language, ["name": HTML.escape(context.user.firstName)]), to: context,
                           keyboard: mainKeyboard(context.language))
        case .help: try await send(texts.text("help", context.language), to: context, keyboard: mainKeyboard(context.language))
        case .find: try await findNearby(category: nil, halalOnly: false, context)
        case .cancel: try await cancel(state, context)
        case .language: try await switchLanguage(to: nil, context)
        case .register: try await startEnrollment(state: state, context)
        case .checkin: try await startCheckIn(context)
        case .checkout: try await closeForToday(context)
        case .myBusiness: try await showMyBusinesses(context)
        case .verify: try await listUnverified(context)
        case .broadcast: try await startBroadcast(text: argument, state: state, context)
        case .stats: try await showStatistics(context)
        case .halal: try await markHalal(argument, context)
        case .unsubscribe: try await setSubscription(false, context)
        case .subscribe: try await setSubscription(true, context)
        }
    }

    private func handle(text: String, state: DialogState?, _ context: ReplyContext) async throws {
        let language = context.language
        // The main keyboard's buttons arrive as their labels, in whichever language the keyboard was shown.
        if matchesButton(text, "cancel_button") { return try await cancel(state, context) }
        // "batal", "gak jadi", "cancel" typed during a dialog end it rather than becoming a name or an announcement.
        if let state, state.capturesInput, text.count <= 20, matcher.understand(text).intent == .cancel { return try await cancel(state, context) }
        if let state, state.capturesInput, try await continueDialog(state, text: text, context) { return }
        if matchesButton(text, "help_button") { return try await send(texts.text("help", language), to: context, keyboard: mainKeyboard(language)) }
        if matchesButton(text, "search_button") { return try await findNearby(category: nil, halalOnly: false, context) }
        if matchesButton(text, "my_business_button") { return try await showMyBusinesses(context) }

        let understanding = matcher.understand(text)
        switch understanding.intent {
        case .findNearby:
            try await findNearby(category: understanding.category, halalOnly: understanding.halalOnly, context)
        case .fallback:
            let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
            try await send(texts.text("fallback", language, ["text": HTML.escape(shown)]), to: context, keyboard: mainKeyboard(language))
        case .start: try await perform(.start, argument: nil, state: state, context)
        case .help: try await perform(.help, argument: nil, state: state, context)
        case .cancel: try await perform(.cancel, argument: nil, state: state, context)
        case .language: try await perform(.language, argument: nil, state: state, context)
        case .register: try await perform(.register, argument: nil, state: state, context)
        case .checkin: try await perform(.checkin, argument: nil, state: state, context)
        case .checkout: try await perform(.checkout, argument: nil, state: state, context)
        case .myBusiness: try await perform(.myBusiness, argument: nil, state: state, context)
        case .broadcast: try await perform(.broadcast, argument: nil, state: state, context)
        case .stats: try await perform(.stats, argument: nil, state: state, context)
        case .stop: try await perform(.unsubscribe, argument: nil, state: state, context)
        case .subscribe: try await perform(.subscribe, argument: nil, state: state, context)
        }
    }

    /// A location: the step of a vendor dialog that asked for it, or a search.
    private func received(location: GeoPoint, live: LiveShare?, state: DialogState?, _ context: ReplyContext) async throws {
        switch state {
        case .enrolling(let draft) where draft.step == .location:
            try await enrollment(draft, receivedLocation: location, context)
        case .awaitingCheckInLocation(let businessID):
            try await checkIn(businessID: businessID, at: location, live: live, context)
        case .editing(let businessID, .location):
            try await edit(businessID: businessID, location: location, context)
        case .awaitingSearchLocation(let pending):
            try await searchFrom(location: location, pending: pending, live: live, context)
        case .enrolling, .editing, .linking, .composingBroadcast:
            try await send(texts.text("unexpected_location", context.language), to: context)
            try await askAgain(state!, context)
        case .offeredCheckIn, nil:
            try await searchFrom(location: location, pending: nil, live: live, context)
        }
    }

    /// When a live location shared now for `period` seconds stops (Telegram's 0x7FFFFFFF means "until I stop").
    /// Measured from the bot's clock rather than the message date, so all expiry uses one clock.
    private func liveEnd(period: Int) -> Date {
        period >= 0x7FFF_FFFF ? .distantFuture : now().addingTimeInterval(TimeInterval(period))
    }

    /// Switches to `requested`, or to the other language when none is named; the choice is stored.
    private func switchLanguage(to requested: Language?, _ context: ReplyContext) async throws {
        let chosen = requested ?? (context.language == .indonesian ? .english : .indonesian)
        try await preferences.setLanguage(chosen.rawValue, of: context.user.id, handling: context.updateID)
        try await send(texts.text("language_switched", chosen), to: context.in(chosen), keyboard: mainKeyboard(chosen))
    }

    private func cancel(_ state: DialogState?, _ context: ReplyContext) async throws {
        try await conversations.setState(nil, of: context.user.id, handling: context.updateID)
        let key: String
        switch state {
        case .enrolling: key = "enrollment_cancelled"
        case .composingBroadcast: key = "broadcast_cancelled"
        case nil, .offeredCheckIn: key = "nothing_to_cancel"
        default: key = "cancelled"
        }
        try await send(texts.text(key, context.language), to: context, keyboard: mainKeyboard(context.language))
    }

    // MARK: - Shared helpers

    func language(of user: User) async throws -> Language {
        try await preferences.chosenLanguage(of: user.id) ?? Language(telegramLanguageCode: user.languageCode)
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
            [KeyboardButton(text: texts.text("my_business_button", language)), KeyboardButton(text: texts.text("help_button", language))],
        ], resizeKeyboard: true, isPersistent: true))
    }

    func send(_ text: String, to context: ReplyContext, keyboard: ReplyMarkup? = nil) async throws {
        try await client.sendMessage(chatID: context.chatID, text: text, parseMode: .html, replyMarkup: keyboard)
    }

    func isStaff(_ user: User) -> Bool { settings.staffIDs.contains(user.id) }
}

/// A live location as it arrived: its message (whose edits move the cart) and when sharing ends.
struct LiveShare: Equatable {
    var messageID: Int
    var until: Date
}

extension DialogState {
    /// Enrollment and edits hold typed answers; another command must not silently drop them.
    var isVendorDialog: Bool {
        switch self {
        case .enrolling, .editing, .composingBroadcast: return true
        default: return false
        }
    }
}

extension CommandAction {
    /// Whether this command may interrupt `dialog` without losing it: help, language and cancel always;
    /// /daftar resumes an enrollment, /umumkan an announcement being written.
    func continues(_ dialog: DialogState) -> Bool {
        switch (self, dialog) {
        case (.help, _), (.language, _), (.cancel, _), (.register, .enrolling), (.broadcast, .composingBroadcast): return true
        default: return false
        }
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
