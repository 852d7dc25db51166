/// A Bot API request built but not yet sent: a method and its parameters.
///
/// Handlers build their replies as requests and commit them to the reply outbox; `BotAPIClient`'s
/// methods build the same requests and send them at once. One builder serves both, so a reply looks the
/// same on the wire whichever way it leaves.
public struct BotRequest: Sendable, Hashable {
    /// The Bot API method, e.g. `sendMessage`.
    public var method: String
    /// Its parameters, a JSON object.
    public var parameters: JSONValue

    /// A request of `method` with `parameters`.
    public init(method: String, parameters: JSONValue) {
        self.method = method
        self.parameters = parameters
    }

    /// The chat the request concerns, when it names one.
    public var chatID: Int64? { parameters["chat_id"]?.int64Value }

    /// sendMessage: a text, optionally formatted and with a keyboard.
    public static func sendMessage(chatID: Int64, text: String, parseMode: ParseMode? = nil, replyMarkup: ReplyMarkup? = nil,
                                   disableLinkPreview: Bool = true, replyToMessageID: Int? = nil) -> BotRequest {
        var parameters = JSONObjectBuilder()
        parameters.set("chat_id", chatID)
        parameters.set("text", text)
        parameters.set("parse_mode", parseMode?.rawValue)
        parameters.set("reply_markup", replyMarkup)
        if disableLinkPreview { parameters.set("link_preview_options", ["is_disabled": true] as JSONValue) }
        parameters.set("reply_parameters", replyToMessageID.map { ["message_id": .int(Int64($0))] as JSONValue })
        return BotRequest(method: "sendMessage", parameters: parameters.json)
    }

    /// sendLocation: a map pin.
    public static func sendLocation(chatID: Int64, latitude: Double, longitude: Double, horizontalAccuracy: Double? = nil,
                                    livePeriod: Int? = nil, replyMarkup: ReplyMarkup? = nil) -> BotRequest {
        var parameters = JSONObjectBuilder()
        parameters.set("chat_id", chatID)
        parameters.set("latitude", latitude)
        parameters.set("longitude", longitude)
        parameters.set("horizontal_accuracy", horizontalAccuracy)
        parameters.set("live_period", livePeriod)
        parameters.set("reply_markup", replyMarkup)
        return BotRequest(method: "sendLocation", parameters: parameters.json)
    }

    /// sendVenue: a map pin with a title and an address.
    public static func sendVenue(chatID: Int64, latitude: Double, longitude: Double, title: String, address: String,
                                 replyMarkup: ReplyMarkup? = nil) -> BotRequest {
        var parameters = JSONObjectBuilder()
        parameters.set("chat_id", chatID)
        parameters.set("latitude", latitude)
        parameters.set("longitude", longitude)
        parameters.set("title", title)
        parameters.set("address", address)
        parameters.set("reply_markup", replyMarkup)
        return BotRequest(method: "sendVenue", parameters: parameters.json)
    }

    /// editMessageText: replaces the text (and keyboard) of a message the bot sent. A nil `messageID`
    /// is filled in by the reply sender from the reply it refers to.
    public static func editMessageText(chatID: Int64, messageID: Int?, text: String, parseMode: ParseMode? = nil,
                                       replyMarkup: InlineKeyboardMarkup? = nil) -> BotRequest {
        var parameters = JSONObjectBuilder()
        parameters.set("chat_id", chatID)
        parameters.set("message_id", messageID)
        parameters.set("text", text)
        parameters.set("parse_mode", parseMode?.rawValue)
        parameters.set("reply_markup", replyMarkup)
        parameters.set("link_preview_options", ["is_disabled": true] as JSONValue)
        return BotRequest(method: "editMessageText", parameters: parameters.json)
    }

    /// editMessageReplyMarkup: replaces (or, with nil, removes) the inline keyboard of a message.
    public static func editMessageReplyMarkup(chatID: Int64, messageID: Int, replyMarkup: InlineKeyboardMarkup?) -> BotRequest {
        var parameters = JSONObjectBuilder()
        parameters.set("chat_id", chatID)
        parameters.set("message_id", messageID)
        parameters.set("reply_markup", replyMarkup ?? InlineKeyboardMarkup(rows: []))
        return BotRequest(method: "editMessageReplyMarkup", parameters: parameters.json)
    }

    /// answerCallbackQuery: stops the button's spinner, optionally with a notice.
    public static func answerCallbackQuery(_ callbackQueryID: String, text: String? = nil, showAlert: Bool = false) -> BotRequest {
        var parameters = JSONObjectBuilder()
        parameters.set("callback_query_id", callbackQueryID)
        parameters.set("text", text)
        parameters.flag("show_alert", showAlert)
        return BotRequest(method: "answerCallbackQuery", parameters: parameters.json)
    }

    /// deleteMessage: removes a message from the chat.
    public static func deleteMessage(chatID: Int64, messageID: Int) -> BotRequest {
        BotRequest(method: "deleteMessage", parameters: ["chat_id": .int(chatID), "message_id": .int(Int64(messageID))])
    }
}

extension JSONValue {
    /// This object with `key` set to `value` (other values are returned unchanged).
    public func setting(_ key: String, to value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[key] = value
        return .object(members)
    }
}
