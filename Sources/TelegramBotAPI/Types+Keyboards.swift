/// A button of an inline keyboard (under a message).
public struct InlineKeyboardButton: JSONCodable, Hashable {
    /// Label; must not be empty.
    public var text: String
    /// Data sent back in a callback query; 1-64 bytes.
    public var callbackData: String?
    public var url: String?

    public init(text: String, callbackData: String? = nil, url: String? = nil) {
        self.text = text
        self.callbackData = callbackData
        self.url = url
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "InlineKeyboardButton")
        text = try fields.string("text")
        callbackData = try fields.optionalString("callback_data")
        url = try fields.optionalString("url")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("text", text)
        object.set("callback_data", callbackData)
        object.set("url", url)
        return object.json
    }
}

/// A keyboard attached under a message.
public struct InlineKeyboardMarkup: JSONCodable, Hashable {
    public var rows: [[InlineKeyboardButton]]

    public init(rows: [[InlineKeyboardButton]]) { self.rows = rows }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "InlineKeyboardMarkup")
        rows = try fields.optionalGrid("inline_keyboard") ?? []
    }

    public var json: JSONValue { ["inline_keyboard": .array(rows.map { .array($0.map(\.json)) })] }
}

/// A button of a reply keyboard (replacing the phone's keyboard).
public struct KeyboardButton: JSONCodable, Hashable {
    public var text: String
    /// Pressing it sends the user's phone number as a contact (private chats only).
    public var requestContact: Bool
    /// Pressing it sends the user's current location (private chats only).
    public var requestLocation: Bool

    public init(text: String, requestContact: Bool = false, requestLocation: Bool = false) {
        self.text = text
        self.requestContact = requestContact
        self.requestLocation = requestLocation
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        if case .string(let text) = json {
            self.init(text: text)
            return
        }
        let fields = try JSONFieldReader(json, type: "KeyboardButton")
        self.init(text: try fields.string("text"), requestContact: try fields.bool("request_contact"),
                  requestLocation: try fields.bool("request_location"))
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("text", text)
        object.flag("request_contact", requestContact)
        object.flag("request_location", requestLocation)
        return object.json
    }
}

/// A custom keyboard shown instead of the phone's keyboard.
public struct ReplyKeyboardMarkup: JSONCodable, Hashable {
    public var keyboard: [[KeyboardButton]]
    public var resizeKeyboard: Bool
    public var oneTimeKeyboard: Bool
    public var isPersistent: Bool
    public var inputFieldPlaceholder: String?

    public init(keyboard: [[KeyboardButton]], resizeKeyboard: Bool = true, oneTimeKeyboard: Bool = false,
                isPersistent: Bool = false, inputFieldPlaceholder: String? = nil) {
        self.keyboard = keyboard
        self.resizeKeyboard = resizeKeyboard
        self.oneTimeKeyboard = oneTimeKeyboard
        self.isPersistent = isPersistent
        self.inputFieldPlaceholder = inputFieldPlaceholder
    }

    public init(json: JSONValue) throws(JSONDecodingError) {
        let fields = try JSONFieldReader(json, type: "ReplyKeyboardMarkup")
        keyboard = try fields.optionalGrid("keyboard") ?? []
        resizeKeyboard = try fields.bool("resize_keyboard")
        oneTimeKeyboard = try fields.bool("one_time_keyboard")
        isPersistent = try fields.bool("is_persistent")
        inputFieldPlaceholder = try fields.optionalString("input_field_placeholder")
    }

    public var json: JSONValue {
        var object = JSONObjectBuilder()
        object.set("keyboard", .array(keyboard.map { .array($0.map(\.json)) }))
        object.flag("resize_keyboard", resizeKeyboard)
        object.flag("one_time_keyboard", oneTimeKeyboard)
        object.flag("is_persistent", isPersistent)
        object.set("input_field_placeholder", inputFieldPlaceholder)
        return object.json
    }
}

/// Removes a reply keyboard from the user's screen.
public struct ReplyKeyboardRemove: JSONCodable, Hashable {
    public init() {}

    public init(json: JSONValue) throws(JSONDecodingError) {
        _ = try JSONFieldReader(json, type: "ReplyKeyboardRemove")
    }

    public var json: JSONValue { ["remove_keyboard": true] }
}

/// The keyboard sent with a message: one of the three shapes Telegram accepts.
public enum ReplyMarkup: JSONCodable, Hashable {
    case inlineKeyboard(InlineKeyboardMarkup)
    case replyKeyboard(ReplyKeyboardMarkup)
    case removeKeyboard

    public init(json: JSONValue) throws(JSONDecodingError) {
        if json["inline_keyboard"] != nil {
            self = .inlineKeyboard(try InlineKeyboardMarkup(json: json))
        } else if json["keyboard"] != nil {
            self = .replyKeyboard(try ReplyKeyboardMarkup(json: json))
        } else if json["remove_keyboard"] != nil {
            self = .removeKeyboard
        } else {
            throw JSONDecodingError(path: "", reason: "expected inline_keyboard, keyboard or remove_keyboard")
        }
    }

    public var json: JSONValue {
        switch self {
        case .inlineKeyboard(let markup): return markup.json
        case .replyKeyboard(let markup): return markup.json
        case .removeKeyboard: return ReplyKeyboardRemove().json
        }
    }
}
