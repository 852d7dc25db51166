import Foundation
import LapakBroadcast
import LapakDatabase
import LapakRegistry
import TelegramBotAPI

/// One update being handled: who wrote, where, in which language, and the transaction that the
/// handler's state changes and replies are written into.
///
/// A handler never calls Telegram. What it says goes into the reply outbox in the same
/// transaction as its state changes and the update's "handled" mark, so either all of it happens or
/// none; the reply sender delivers the replies after the commit. The context lives only as long as
/// that transaction, which is why it is a class that is not `Sendable`.
public final class BotContext {
    /// The update being handled.
    public let updateID: Int64
    /// The chat the answer goes to.
    public let chatID: Int64
    /// Who sent the update.
    public let user: User
    /// The language to answer in; `/bahasa` changes it mid-update.
    public var language: Language
    /// The message, for messages (commands, text, locations, contacts).
    public let message: Message?
    /// The button press, for callback queries.
    public let callbackQuery: CallbackQuery?
    /// The wall-clock time of this update's handling, one value for all of it.
    public let now: Date
    /// Whether the user is agency staff (from `staff.ids`).
    public let isStaff: Bool
    /// The bot's username (from getMe), for `t.me` links; nil when unknown.
    public let botUsername: String?

    /// The registry inside this update's transaction.
    let registry: any RegistryStore
    /// Dialog state, remembered locations, search sessions inside this update's transaction.
    let conversations: any DialogStore
    /// Users' choices (language) inside this update's transaction.
    let preferences: any PreferenceStore
    /// Announcements inside this update's transaction.
    let outbox: any AnnouncementStore
    /// The reply outbox, inside this update's transaction.
    let replyWriter: any ReplyWriter
    /// All of the above, for code shared with the schedulers (which have no context).
    let stores: BotStores
    /// The bot's routes, so one feature can resume another's dialog.
    let routes: BotRouter

    /// The route that answered (`find`, a command's action, `button:e`, `dialog:enrolling`, …), for metrics
    /// and logs; a bounded set of names, never user input.
    var route = "unrouted"

    /// The replies written so far, in the order they leave.
    private(set) var replies: [OutgoingReply] = []
    /// Whether the callback query has been answered (every press must stop its spinner exactly once).
    private(set) var answeredQuery = false

    init(updateID: Int64, chatID: Int64, user: User, language: Language, message: Message?, callbackQuery: CallbackQuery?,
         now: Date, isStaff: Bool, botUsername: String?, stores: BotStores, routes: BotRouter) {
        self.botUsername = botUsername
        self.updateID = updateID
        self.chatID = chatID
        self.user = user
        self.language = language
        self.message = message
        self.callbackQuery = callbackQuery
        self.now = now
        self.isStaff = isStaff
        self.routes = routes
        self.registry = stores.registry
        self.conversations = stores.dialogs
        self.preferences = stores.preferences
        self.outbox = stores.announcements
        self.replyWriter = stores.replies
        self.stores = stores
    }

    /// Writes a request to the reply outbox; it leaves after the commit, in order.
    /// - Parameter messageOf: an earlier reply of this update whose message this request edits.
    /// - Returns: the outbox row of the reply (its message id can be read from it once sent).
    @discardableResult
    func request(_ request: BotRequest, chatID: Int64? = nil, messageOf: Int64? = nil) throws -> Int64 {
        let target = chatID ?? request.chatID ?? self.chatID
        let reply = try replyWriter.addReply(request, chatID: target, updateID: updateID, messageOf: messageOf,
                                             at: Int64(now.timeIntervalSince1970))
        replies.append(reply)
        return reply.id
    }

    /// Sends an HTML text to this chat.
    @discardableResult
    func send(_ text: String, keyboard: ReplyMarkup? = nil) throws -> Int64 {
        try request(.sendMessage(chatID: chatID, text: text, parseMode: .html, replyMarkup: Self.keyboard(keyboard, forChat: chatID)))
    }

    /// Sends an HTML text to another chat (staff, an owner).
    @discardableResult
    func send(_ text: String, toChat chatID: Int64, keyboard: ReplyMarkup? = nil) throws -> Int64 {
        try request(.sendMessage(chatID: chatID, text: text, parseMode: .html, replyMarkup: Self.keyboard(keyboard, forChat: chatID)),
                    chatID: chatID)
    }

    /// The keyboard as it may go to `chatID`: groups (negative ids) get no reply keyboard, since Telegram
    /// refuses location and contact requests outside private chats and a keyboard there would pop up for
    /// every member.
    static func keyboard(_ keyboard: ReplyMarkup?, forChat chatID: Int64) -> ReplyMarkup? {
        guard chatID < 0 else { return keyboard }
        switch keyboard {
        case .replyKeyboard, .removeKeyboard: return nil
        default: return keyboard
        }
    }

    /// Answers the button press being handled (stops its spinner), optionally with a notice; once only.
    func answer(_ text: String? = nil, alert: Bool = false) throws {
        guard let query = callbackQuery, !answeredQuery else { return }
        answeredQuery = true
        try request(.answerCallbackQuery(query.id, text: text, showAlert: alert))
    }

    /// Replaces the text and keyboard of the message whose button was pressed.
    func editPressedMessage(_ text: String, keyboard: InlineKeyboardMarkup?) throws {
        guard let message = callbackQuery?.message else { return }
        try request(.editMessageText(chatID: message.chat.id, messageID: message.messageID, text: text, parseMode: .html, replyMarkup: keyboard))
    }

    /// Replaces the keyboard of the message whose button was pressed.
    func editPressedKeyboard(_ keyboard: InlineKeyboardMarkup?) throws {
        guard let message = callbackQuery?.message else { return }
        try request(.editMessageReplyMarkup(chatID: message.chat.id, messageID: message.messageID, replyMarkup: keyboard))
    }

    /// The language to write in to someone who is not the sender (staff, an owner): their choice, else
    /// Indonesian.
    func replyLanguage(of userID: Int64) throws -> Language {
        try preferences.chosenLanguage(of: userID) ?? .indonesian
    }

    /// The sender's dialog in this chat, if one is waiting for an answer.
    ///
    /// Keyed by user and chat: what someone does in a group never moves their private enrollment.
    func dialogState() throws -> DialogState? {
        DialogState(json: try conversations.state(of: user.id, inChat: chatID))
    }

    /// Sets (or with nil ends) the sender's dialog in this chat.
    func setDialogState(_ state: DialogState?) throws {
        try conversations.setState(state?.json, of: user.id, inChat: chatID, now: now)
    }

    /// Asks the question of the dialog `state` again (whichever feature owns it).
    func askAgain(_ state: DialogState) throws {
        try routes.askAgain(state, self)
    }

    /// This context answering in `language` from now on.
    func switchLanguage(to language: Language) {
        self.language = language
    }
}
