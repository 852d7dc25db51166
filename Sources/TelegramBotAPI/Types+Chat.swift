/// A Telegram user or bot.
public struct User: JSONCodable, Hashable {
    public var id: Int64
    public var isBot: Bool
    public var firstName: String
    public var lastName: String?
    public var username: String?
    /// IETF language tag of the user's client, e.g. `id` or `en-GB`; decides the reply language.
    public var languageCode: String?

    public init(id: Int64, isBot: Bool = false, firstName: String, lastName: String? = nil,
                username: String? = nil, languageCode: String? = nil) {
        self.id = id
        self.isBot = isBot
        self.firstName = firstName
        self.lastName = lastName
        self.username = username
        self.languageCode = languageCode
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "User")
        id = try fields.int64("id")
        isBot = try fields.bool("is_bot")
        firstName = try fields.string("first_name")
        lastName = try fields.optionalString("last_name")
        username = try fields.optionalString("username")
        languageCode = try fields.optionalString("language_code")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("is_bot", .bool(isBot))
        object.set("first_name", firstName)
        object.set("last_name", lastName)
        object.set("username", username)
        object.set("language_code", languageCode)
        return object.json
    }
}

/// A chat: private, group, supergroup or channel.
public struct Chat: JSONCodable, Hashable {
    /// The chat's kind as Telegram names it (`private`, `group`, `supergroup`, `channel`).
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let privateChat = Kind(rawValue: "private")
        public static let group = Kind(rawValue: "group")
        public static let supergroup = Kind(rawValue: "supergroup")
        public static let channel = Kind(rawValue: "channel")
    }

    public var id: Int64
    public var kind: Kind
    public var title: String?
    public var username: String?
    public var firstName: String?
    public var lastName: String?

    public init(id: Int64, kind: Kind = .privateChat, title: String? = nil, username: String? = nil,
                firstName: String? = nil, lastName: String? = nil) {
        self.id = id
        self.kind = kind
        self.title = title
        self.username = username
        self.firstName = firstName
        self.lastName = lastName
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "Chat")
        id = try fields.int64("id")
        kind = Kind(rawValue: try fields.string("type"))
        title = try fields.optionalString("title")
        username = try fields.optionalString("username")
        firstName = try fields.optionalString("first_name")
        lastName = try fields.optionalString("last_name")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("type", kind.rawValue)
        object.set("title", title)
        object.set("username", username)
        object.set("first_name", firstName)
        object.set("last_name", lastName)
        return object.json
    }
}

/// A special entity in a message's text: a command, a mention, a link.
public struct MessageEntity: JSONCodable, Hashable {
    /// The entity type, e.g. `bot_command`, `mention`, `url`.
    public var type: String
    /// Offset in UTF-16 code units, as Telegram counts.
    public var offset: Int
    /// Length in UTF-16 code units.
    public var length: Int
    public var url: String?

    public init(type: String, offset: Int, length: Int, url: String? = nil) {
        self.type = type
        self.offset = offset
        self.length = length
        self.url = url
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "MessageEntity")
        type = try fields.string("type")
        offset = try fields.int("offset")
        length = try fields.int("length")
        url = try fields.optionalString("url")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("type", type)
        object.set("offset", offset)
        object.set("length", length)
        object.set("url", url)
        return object.json
    }

    /// The part of `text` this entity covers, counted in UTF-16 as Telegram does.
    public func substring(of text: String) -> String? {
        let utf16 = text.utf16
        guard offset >= 0, length >= 0, offset + length <= utf16.count else { return nil }
        let start = utf16.index(utf16.startIndex, offsetBy: offset)
        let end = utf16.index(start, offsetBy: length)
        guard let lower = String.Index(start, within: text), let upper = String.Index(end, within: text) else { return nil }
        return String(text[lower..<upper])
    }
}

/// One of the bot's commands as shown in Telegram's command menu.
public struct BotCommand: JSONCodable, Hashable {
    /// The command without the slash, 1-32 lowercase letters, digits and underscores.
    public var command: String
    public var description: String

    public init(command: String, description: String) {
        self.command = command
        self.description = description
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "BotCommand")
        command = try fields.string("command")
        description = try fields.string("description")
    }

    public var json: JSONValue { ["command": .string(command), "description": .string(description)] }
}

/// Extra information in a failed answer: how long to wait, or where a group moved.
public struct ResponseParameters: JSONCodable, Hashable {
    public var retryAfter: Int?
    public var migrateToChatID: Int64?

    public init(retryAfter: Int? = nil, migrateToChatID: Int64? = nil) {
        self.retryAfter = retryAfter
        self.migrateToChatID = migrateToChatID
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "ResponseParameters")
        retryAfter = try fields.optionalInt("retry_after")
        migrateToChatID = try fields.optionalInt64("migrate_to_chat_id")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("retry_after", retryAfter)
        object.set("migrate_to_chat_id", migrateToChatID)
        return object.json
    }
}

/// What getWebhookInfo tells about the bot's webhook.
public struct WebhookInfo: Sendable, Hashable {
    /// The webhook's URL; empty when updates are fetched with getUpdates.
    public var url: String
    /// Updates Telegram still has to deliver.
    public var pendingUpdateCount: Int
    /// The connections Telegram opens at most.
    public var maxConnections: Int?
    /// Why the last delivery failed, if it did.
    public var lastErrorMessage: String?

    /// Webhook information as Telegram reports it.
    public init(url: String, pendingUpdateCount: Int, maxConnections: Int?, lastErrorMessage: String?) {
        self.url = url
        self.pendingUpdateCount = pendingUpdateCount
        self.maxConnections = maxConnections
        self.lastErrorMessage = lastErrorMessage
    }
}
