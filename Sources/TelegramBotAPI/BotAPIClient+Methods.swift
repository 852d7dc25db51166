/// How Telegram should read formatting in a text.
public enum ParseMode: String, Sendable {
    case html = "HTML"
    case markdownV2 = "MarkdownV2"
}

/// What the bot is doing, shown as "typing…" and the like.
public enum ChatAction: String, Sendable {
    case typing
    case findLocation = "find_location"
}

/// The result of getUpdates: the updates that could be read, and those that could not.
public struct UpdateBatch: Sendable {
    /// Updates read in full, in update_id order.
    public var updates: [Update]
    /// Entries that were not valid updates, with their update_id when it could be read.
    public var malformed: [(updateID: Int64?, error: JSONDecodingError)]
    /// The highest update_id in the answer, including malformed entries; confirming past it moves on.
    public var highestUpdateID: Int64?

    public init(updates: [Update], malformed: [(updateID: Int64?, error: JSONDecodingError)] = [], highestUpdateID: Int64?) {
        self.updates = updates
        self.malformed = malformed
        self.highestUpdateID = highestUpdateID
    }
}

extension BotAPIClient {
    /// getMe: the bot's own account; fails with 401 or 404 when the token is wrong.
    public func getMe() async throws(BotAPIError) -> User {
        try await call("getMe", parameters: .object([:]), as: User.self)
    }

    /// getUpdates: long-polls for updates from `offset` on.
    ///
    /// Decoding is tolerant: an entry that is not a valid update is reported in `malformed` and the
    /// rest of the batch is kept.
    public func getUpdates(offset: Int64?, limit: Int = 100, timeout: Int = 50, allowedUpdates: [String]? = nil) async throws(BotAPIError) -> UpdateBatch {
        var parameters = JSONObjectBuilder()
        parameters.set("offset", offset)
        parameters.set("limit", min(max(limit, 1), 100))
        parameters.set("timeout", max(timeout, 0))
        parameters.set("allowed_updates", allowedUpdates.map { JSONValue.array($0.map(JSONValue.string)) })
        // The transfer may legitimately take the whole polling timeout: allow a margin on top.
        let result = try await call("getUpdates", parameters: parameters.json, timeout: .seconds(max(timeout, 0)) + requestTimeout)
        guard let entries = result.arrayValue else {
            throw .invalidResponse(method: "getUpdates", httpStatus: 200, reason: "result is not an array")
        }
        var batch = UpdateBatch(updates: [], highestUpdateID: nil)
        batch.updates.reserveCapacity(entries.count)
        for entry in entries {
            let updateID = entry["update_id"]?.int64Value
            if let updateID { batch.highestUpdateID = max(batch.highestUpdateID ?? updateID, updateID) }
            do {
                batch.updates.append(try Update(json: entry))
            } catch {
                batch.malformed.append((updateID, error))
            }
        }
        batch.updates.sort { $0.updateID < $1.updateID }
        return batch
    }

    /// deleteWebhook: switches the bot back to getUpdates.
    @discardableResult
    public func deleteWebhook(dropPendingUpdates: Bool = false) async throws(BotAPIError) -> Bool {
        var parameters = JSONObjectBuilder()
        parameters.flag("drop_pending_updates", dropPendingUpdates)
        return try await call("deleteWebhook", parameters: parameters.json).boolValue ?? false
    }

    /// setWebhook: Telegram posts every update to `url`, with `secretToken` in the
    /// `X-Telegram-Bot-Api-Secret-Token` header, over at most `maxConnections` (1–100) connections at once.
    @discardableResult
    public func setWebhook(url: String, secretToken: String?, maxConnections: Int, allowedUpdates: [String]?,
                           dropPendingUpdates: Bool = false) async throws(BotAPIError) -> Bool {
        var parameters = JSONObjectBuilder()
        parameters.set("url", url)
        parameters.set("secret_token", secretToken)
        parameters.set("max_connections", maxConnections)
        parameters.set("allowed_updates", allowedUpdates.map { JSONValue.array($0.map(JSONValue.string)) })
        parameters.flag("drop_pending_updates", dropPendingUpdates)
        return try await call("setWebhook", parameters: parameters.json).boolValue ?? false
    }

    /// getWebhookInfo: the webhook's URL (empty without one), how many updates wait, and its last error.
    public func getWebhookInfo() async throws(BotAPIError) -> WebhookInfo {
        let result = try await call("getWebhookInfo", parameters: JSONObjectBuilder().json)
        return WebhookInfo(url: result["url"]?.stringValue ?? "", pendingUpdateCount: Int(result["pending_update_count"]?.int64Value ?? 0),
                           maxConnections: result["max_connections"]?.int64Value.map { Int($0) },
                           lastErrorMessage: result["last_error_message"]?.stringValue)
    }

    /// setMyCommands: the command menu, for users whose client language is `languageCode` (nil: everyone else).
    @discardableResult
    public func setMyCommands(_ commands: [BotCommand], languageCode: String? = nil) async throws(BotAPIError) -> Bool {
        var parameters = JSONObjectBuilder()
        parameters.set("commands", commands)
        parameters.set("language_code", languageCode)
        return try await call("setMyCommands", parameters: parameters.json).boolValue ?? false
    }

    /// Sends a request built with `BotRequest`.
    @discardableResult
    public func send(_ request: BotRequest) async throws(BotAPIError) -> JSONValue {
        try await call(request.method, parameters: request.parameters)
    }

    /// sendMessage: a text, optionally formatted and with a keyboard.
    @discardableResult
    public func sendMessage(chatID: Int64, text: String, parseMode: ParseMode? = nil, replyMarkup: ReplyMarkup? = nil,
                            disableLinkPreview: Bool = true, replyToMessageID: Int? = nil) async throws(BotAPIError) -> Message {
        let request = BotRequest.sendMessage(chatID: chatID, text: text, parseMode: parseMode, replyMarkup: replyMarkup,
                                             disableLinkPreview: disableLinkPreview, replyToMessageID: replyToMessageID)
        return try await call(request.method, parameters: request.parameters, as: Message.self)
    }

    /// sendLocation: a map pin.
    @discardableResult
    public func sendLocation(chatID: Int64, latitude: Double, longitude: Double, horizontalAccuracy: Double? = nil,
                             livePeriod: Int? = nil, replyMarkup: ReplyMarkup? = nil) async throws(BotAPIError) -> Message {
        let request = BotRequest.sendLocation(chatID: chatID, latitude: latitude, longitude: longitude, horizontalAccuracy: horizontalAccuracy,
                                              livePeriod: livePeriod, replyMarkup: replyMarkup)
        return try await call(request.method, parameters: request.parameters, as: Message.self)
    }

    /// sendVenue: a map pin with a title and an address.
    @discardableResult
    public func sendVenue(chatID: Int64, latitude: Double, longitude: Double, title: String, address: String,
                          replyMarkup: ReplyMarkup? = nil) async throws(BotAPIError) -> Message {
        let request = BotRequest.sendVenue(chatID: chatID, latitude: latitude, longitude: longitude, title: title, address: address,
                                           replyMarkup: replyMarkup)
        return try await call(request.method, parameters: request.parameters, as: Message.self)
    }

    /// editMessageText: replaces the text (and keyboard) of a message the bot sent.
    @discardableResult
    public func editMessageText(chatID: Int64, messageID: Int, text: String, parseMode: ParseMode? = nil,
                                replyMarkup: InlineKeyboardMarkup? = nil) async throws(BotAPIError) -> JSONValue {
        try await send(.editMessageText(chatID: chatID, messageID: messageID, text: text, parseMode: parseMode, replyMarkup: replyMarkup))
    }

    /// editMessageReplyMarkup: replaces (or, with nil, removes) the inline keyboard of a message.
    @discardableResult
    public func editMessageReplyMarkup(chatID: Int64, messageID: Int, replyMarkup: InlineKeyboardMarkup?) async throws(BotAPIError) -> JSONValue {
        try await send(.editMessageReplyMarkup(chatID: chatID, messageID: messageID, replyMarkup: replyMarkup))
    }

    /// answerCallbackQuery: stops the button's spinner, optionally with a notice.
    @discardableResult
    public func answerCallbackQuery(_ callbackQueryID: String, text: String? = nil, showAlert: Bool = false) async throws(BotAPIError) -> Bool {
        try await send(.answerCallbackQuery(callbackQueryID, text: text, showAlert: showAlert)).boolValue ?? false
    }

    /// sendChatAction: shows "typing…" (or another action) for about five seconds.
    @discardableResult
    public func sendChatAction(chatID: Int64, action: ChatAction) async throws(BotAPIError) -> Bool {
        try await call("sendChatAction", parameters: ["chat_id": .int(chatID), "action": .string(action.rawValue)]).boolValue ?? false
    }

    /// deleteMessage: removes a message from the chat.
    @discardableResult
    public func deleteMessage(chatID: Int64, messageID: Int) async throws(BotAPIError) -> Bool {
        try await send(.deleteMessage(chatID: chatID, messageID: messageID)).boolValue ?? false
    }
}
