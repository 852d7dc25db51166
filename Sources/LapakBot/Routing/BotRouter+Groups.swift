import Foundation
import LapakLanguage
import TelegramBotAPI

/// Groups: Lapak answers only the commands addressed to it there, and continues in a private chat.
///
/// A search needs the user's location and enrollment a phone number. Telegram asks for either only in
/// private chats, and a group should not read a vendor's answers anyway. So a command in a group gets one
/// short reply with a button that opens the private chat (a `t.me` deep link) carrying the command on.
extension BotRouter {
    /// The deep link's start parameter: `g-ACTION[-ARGUMENT in base64url]`.
    static let deepLinkPrefix = "g-"

    /// Answers `/command@Bot argument` written in a group.
    func continueInPrivate(command: String, argument: String?, _ context: BotContext, bot: Bot) throws {
        let language = context.language
        let action = bot.texts.action(forCommand: command) ?? .start
        var keyboard: ReplyMarkup?
        if let username = context.botUsername {
            let link = "https://t.me/\(username)?start=\(Self.deepLinkPayload(action, argument: argument))"
            keyboard = .inlineKeyboard(InlineKeyboardMarkup(rows: [[
                InlineKeyboardButton(text: bot.texts.text("continue_private_button", language), url: link),
            ]]))
        }
        try context.send(bot.texts.text("group_continue_private", language, ["name": HTML.escape(context.user.firstName)]), keyboard: keyboard)
    }

    /// The start parameter for `action` with `argument`; the argument is left out when the link would
    /// pass Telegram's 64 characters.
    static func deepLinkPayload(_ action: CommandAction, argument: String?) -> String {
        let bare = deepLinkPrefix + action.rawValue
        guard let argument, !argument.isEmpty else { return bare }
        let encoded = Data(argument.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let payload = bare + "-" + encoded
        return payload.count <= 64 ? payload : bare
    }

    /// The command and argument a start parameter carries; nil for any other parameter.
    static func deepLinkCommand(_ payload: String) -> (action: CommandAction, argument: String?)? {
        guard payload.hasPrefix(deepLinkPrefix) else { return nil }
        let parts = payload.dropFirst(deepLinkPrefix.count).split(separator: "-", maxSplits: 1).map(String.init)
        guard let first = parts.first, let action = CommandAction(rawValue: first) else { return nil }
        guard parts.count == 2 else { return (action, nil) }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let argument = String(data: data, encoding: .utf8) else { return (action, nil) }
        return (action, argument)
    }

    /// `/start g-…` in the private chat: runs the command carried over from a group, as if typed here.
    /// - Returns: false when the start parameter carries no command.
    func runDeepLink(_ payload: String, _ context: BotContext, bot: Bot) throws -> Bool {
        guard let (action, argument) = Self.deepLinkCommand(payload), action != .start else { return false }
        try route(action: action, argument: argument, state: try context.dialogState(), context, bot: bot)
        return true
    }
}
