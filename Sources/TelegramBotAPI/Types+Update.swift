/// A message in a chat: text, a location, a contact or a venue.
public struct Message: JSONCodable, Hashable {
    public var messageID: Int
    public var from: User?
    public var chat: Chat
    /// Unix time the message was sent.
    public var date: Int64
    /// Unix time of the last edit (live location moves arrive as edits).
    public var editDate: Int64?
    public var text: String?
    public var entities: [MessageEntity]?
    public var location: Location?
    public var contact: Contact?
    public var venue: Venue?
    /// The inline keyboard under the message (messages sent by the bot).
    public var replyMarkup: InlineKeyboardMarkup?

    public init(messageID: Int, from: User?, chat: Chat, date: Int64, editDate: Int64? = nil, text: String? = nil,
                entities: [MessageEntity]? = nil, location: Location? = nil, contact: Contact? = nil,
                venue: Venue? = nil, replyMarkup: InlineKeyboardMarkup? = nil) {
        self.messageID = messageID
        self.from = from
        self.chat = chat
        self.date = date
        self.editDate = editDate
        self.text = text
        self.entities = entities
        self.location = location
        self.contact = contact
        self.venue = venue
        self.replyMarkup = replyMarkup
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "Message")
        messageID = try fields.int("message_id")
        from = try fields.optional("from")
        chat = try fields.decode("chat")
        date = try fields.int64("date")
        editDate = try fields.optionalInt64("edit_date")
        text = try fields.optionalString("text")
        entities = try fields.optionalArray("entities")
        location = try fields.optional("location")
        contact = try fields.optional("contact")
        venue = try fields.optional("venue")
        replyMarkup = try fields.optional("reply_markup")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("message_id", messageID)
        object.set("from", from)
        object.set("chat", chat)
        object.set("date", date)
        object.set("edit_date", editDate)
        object.set("text", text)
        object.set("entities", entities)
        object.set("location", location)
        object.set("contact", contact)
        object.set("venue", venue)
        object.set("reply_markup", replyMarkup)
        return object.json
    }

    /// The bot command the message starts with, without slash and `@BotName`, lowercased (`/Start@LapakBot x` → `start`).
    public var command: String? {
        guard let text, let entity = entities?.first(where: { $0.type == "bot_command" && $0.offset == 0 }),
              let token = entity.substring(of: text), token.hasPrefix("/")
        else { return nil }
        let name = token.dropFirst().split(separator: "@", maxSplits: 1).first ?? ""
        return name.isEmpty ? nil : name.lowercased()
    }

    /// The bot a command names with `@BotName`, when it names one (`/start@LapakBot` → `LapakBot`).
    public var commandTarget: String? {
        guard let text, let entity = entities?.first(where: { $0.type == "bot_command" && $0.offset == 0 }),
              let token = entity.substring(of: text)
        else { return nil }
        let parts = token.split(separator: "@", maxSplits: 1)
        return parts.count == 2 ? String(parts[1]) : nil
    }

    /// The text after the leading command, trimmed (`/cari katering` → `katering`).
    public var commandArgument: String? {
        guard let text, let entity = entities?.first(where: { $0.type == "bot_command" && $0.offset == 0 }),
              let token = entity.substring(of: text)
        else { return nil }
        let rest = text.dropFirst(token.count).trimmingWhitespace()
        return rest.isEmpty ? nil : rest
    }
}

/// A press on an inline keyboard button.
public struct CallbackQuery: JSONCodable, Hashable {
    public var id: String
    public var from: User
    /// The message whose button was pressed (absent when too old).
    public var message: Message?
    public var chatInstance: String
    /// The button's callback_data. Never trust it: anyone can forge it.
    public var data: String?

    public init(id: String, from: User, message: Message?, chatInstance: String, data: String?) {
        self.id = id
        self.from = from
        self.message = message
        self.chatInstance = chatInstance
        self.data = data
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "CallbackQuery")
        id = try fields.string("id")
        from = try fields.decode("from")
        message = try fields.optional("message")
        chatInstance = try fields.string("chat_instance")
        data = try fields.optionalString("data")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("from", from)
        object.set("message", message)
        object.set("chat_instance", chatInstance)
        object.set("data", data)
        return object.json
    }
}

/// One incoming update from getUpdates.
public struct Update: JSONCodable, Hashable {
    /// What the update carries. Kinds Lapak does not handle are kept by name and skipped.
    public enum Content: Sendable, Hashable {
        case message(Message)
        case editedMessage(Message)
        case callbackQuery(CallbackQuery)
        /// An update kind Lapak does not handle (channel_post, my_chat_member, message_reaction, ...).
        case unhandled(kind: String)
    }

    public var updateID: Int64 { didSet { source = nil } }
    public var content: Content { didSet { source = nil } }
    /// The JSON the update was read from: `json` returns it as received instead of building it again
    /// (the update inbox stores every update). Not part of equality.
    private var source: JSONValue?

    public init(updateID: Int64, content: Content) {
        self.updateID = updateID
        self.content = content
    }

    public static func == (lhs: Update, rhs: Update) -> Bool {
        lhs.updateID == rhs.updateID && lhs.content == rhs.content
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(updateID)
        hasher.combine(content)
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        source = json
        let fields = try JSONFieldReader(json, type: "Update")
        updateID = try fields.int64("update_id")
        if fields.members["message"] != nil {
            content = .message(try fields.decode("message"))
        } else if fields.members["edited_message"] != nil {
            content = .editedMessage(try fields.decode("edited_message"))
        } else if fields.members["callback_query"] != nil {
            content = .callbackQuery(try fields.decode("callback_query"))
        } else {
            let kind = fields.members.keys.filter { $0 != "update_id" }.sorted().first ?? "empty"
            content = .unhandled(kind: kind)
        }
    }

    public var json: JSONValue {
        if let source { return source }
        var object = JSONObjectBuilder()
        object.set("update_id", updateID)
        switch content {
        case .message(let message): object.set("message", message)
        case .editedMessage(let message): object.set("edited_message", message)
        case .callbackQuery(let query): object.set("callback_query", query)
        case .unhandled(let kind): object.set(kind, JSONValue.object([:]))
        }
        return object.json
    }

    /// The chat the update belongs to; updates of one chat are handled in order.
    public var chatID: Int64? {
        switch content {
        case .message(let message), .editedMessage(let message): return message.chat.id
        case .callbackQuery(let query): return query.message?.chat.id ?? query.from.id
        case .unhandled: return nil
        }
    }

    /// The user who caused the update.
    public var sender: User? {
        switch content {
        case .message(let message), .editedMessage(let message): return message.from
        case .callbackQuery(let query): return query.from
        case .unhandled: return nil
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space and newlines.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
