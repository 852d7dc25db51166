import Foundation
import LapakLanguage
import LapakRegistry
import TelegramBotAPI

/// Answers one update on any store: builds its context and runs it through the router.
///
/// The store-independent half of handling an update. SQLite's `LapakUpdateHandler` and the PostgreSQL
/// worker each open the update's transaction, hand their stores in as `BotStores`, and mark the update
/// handled in that same transaction.
public struct UpdateRouting: Sendable {
    let bot: Bot
    let router: BotRouter
    let botUsername: String?

    /// Routes one update inside the caller's transaction; returns the replies written and the route that
    /// answered. The caller marks the update handled in the same transaction.
    public func answer(_ update: Update, at moment: Date, stores: BotStores) throws -> HandledUpdate {
        var handled = HandledUpdate(replies: [], route: "ignored")
        if let context = try context(for: update, at: moment, stores: stores) {
            switch update.content {
            case .message(let message): try router.route(message, context, bot: bot)
            case .callbackQuery(let query): try router.route(query, context, bot: bot)
            case .editedMessage(let message):
                context.route = "edit"
                try router.editRoute?(context, message)
            case .unhandled: break
            }
            handled = HandledUpdate(replies: context.replies, route: context.route)
        }
        return handled
    }

    /// The context of an update Lapak answers; nil for updates it ignores (bots, other bots' commands).
    private func context(for update: Update, at moment: Date, stores: BotStores) throws -> BotContext? {
        let user: User
        let chatID: Int64
        var message: Message?
        var query: CallbackQuery?
        switch update.content {
        case .message(let received):
            guard let sender = received.from, !sender.isBot else { return nil }
            if received.chat.kind == .privateChat {
                if let target = received.commandTarget, let botUsername, target.lowercased() != botUsername.lowercased() {
                    return nil  // a command for another bot
                }
            } else {
                // In a group only `/command@ThisBot` is for Lapak: a bare command may be meant for any bot there.
                guard received.command != nil, let target = received.commandTarget, let botUsername,
                      target.lowercased() == botUsername.lowercased() else { return nil }
            }
            (user, chatID, message) = (sender, received.chat.id, received)
        case .editedMessage(let edited):
            guard let sender = edited.from, !sender.isBot, edited.chat.kind == .privateChat else { return nil }
            (user, chatID, message) = (sender, edited.chat.id, edited)
        case .callbackQuery(let pressed):
            (user, chatID, query) = (pressed.from, pressed.message?.chat.id ?? pressed.from.id, pressed)
        case .unhandled:
            return nil
        }
        let chosen = try stores.preferences.chosenLanguage(of: user.id)
        return BotContext(updateID: update.updateID, chatID: chatID, user: user, language: chosen ?? Language(telegramLanguageCode: user.languageCode),
                          message: message, callbackQuery: query, now: moment, isStaff: bot.settings.staffIDs.contains(user.id),
                          botUsername: botUsername,
                          stores: stores, routes: router)
    }

    /// After a failed handler: a "please try again" reply, in a fresh transaction (the caller marks the update handled).
    public func apologise(for update: Update, at moment: Date, stores: BotStores) throws -> [OutgoingReply] {
        var replies: [OutgoingReply] = []
        if let context = try context(for: update, at: moment, stores: stores) {
            if context.callbackQuery != nil {
                try context.answer(HTML.plain(bot.texts.text("something_went_wrong", context.language)))
            } else if context.message?.chat.kind == .privateChat || context.message?.command != nil {
                try context.send(bot.texts.text("something_went_wrong", context.language))
            }
            replies = context.replies
        }
        return replies
    }
}
