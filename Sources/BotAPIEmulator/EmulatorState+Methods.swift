import Foundation
import TelegramBotAPI

/// The emulator's answer to one Bot API request.
struct EmulatorAnswer: Sendable {
    enum Body: Sendable {
        case json(JSONValue)
        case raw([UInt8])
        case dropConnection
    }

    var status: Int
    var body: Body

    static func ok(_ result: JSONValue) -> EmulatorAnswer {
        EmulatorAnswer(status: 200, body: .json(["ok": true, "result": result]))
    }

    static func error(_ code: Int, _ description: String, retryAfter: Int? = nil) -> EmulatorAnswer {
        var object: [String: JSONValue] = ["ok": false, "error_code": .int(Int64(code)), "description": .string(description)]
        if let retryAfter { object["parameters"] = ["retry_after": .int(Int64(retryAfter))] }
        return EmulatorAnswer(status: code, body: .json(.object(object)))
    }
}

/// Methods whose messages count against the flood limits.
let sendingMethods: Set<String> = ["sendMessage", "sendLocation", "sendVenue", "editMessageText", "editMessageReplyMarkup"]

extension EmulatorState {
    /// When the request being answered reached the server. Telegram counts its limits at arrival; a
    /// request that waited for the emulator's state (behind a control call scanning every chat) must not
    /// be counted later, closer to the next one, than it arrived.
    @TaskLocal static var arrival: Duration?

    /// Answers one Bot API call as Telegram would, applying injected faults and flood limits first.
    ///
    /// A request whose scope (its chat, bulk for a bulk send, or its method when it has no chat) is under
    /// a retry_after penalty is refused again; an injected 429 penalizes the request's scopes.
    func answer(method: String, parameters: JSONValue) async -> EmulatorAnswer {
        let chatID = parameters["chat_id"]?.int64Value
        let now = Self.arrival ?? clock.now
        let bulk = isBulk(method: method, chatID: chatID)
        let scopes = floodScopes(method: method, chatID: chatID, bulk: bulk)
        if let penalty = activePenalty(scopes) {
            // A request inside its scope's announced window is refused again and counted as a violation,
            // unless it arrived so soon after the 429 that it was already on the wire when the client learned of it.
            let remaining = max(Int(((penalty.until - now) / .seconds(1)).rounded(.up)), 1)
            record(method, chatID: chatID, status: 429, violated: penalty.violated, bulk: bulk)
            return .error(429, "Too Many Requests: retry after \(remaining)", retryAfter: remaining)
        }
        if let fault = takeFault(for: method) {
            switch fault {
            case .latency(let delay):
                try? await clock.sleep(for: delay)
            case .serverError(let status):
                record(method, chatID: chatID, status: status, violated: false, bulk: bulk)
                return .error(status, Self.reasonPhrase(status))
            case .dropConnection:
                record(method, chatID: chatID, status: 0, violated: false, bulk: bulk)
                return EmulatorAnswer(status: 200, body: .dropConnection)
            case .malformedJSON:
                record(method, chatID: chatID, status: 200, violated: false, bulk: bulk)
                return EmulatorAnswer(status: 200, body: .raw(Array(#"{"ok":true,"result":[{"update_id":"#.utf8)))
            case .conflictOtherInstance:
                record(method, chatID: chatID, status: 409, violated: false, bulk: bulk)
                return .error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
            case .tooManyRequests(let retryAfter):
                announceFlood(scopes, until: now + .seconds(retryAfter))
                record(method, chatID: chatID, status: 429, violated: false, bulk: bulk)
                return .error(429, "Too Many Requests: retry after \(retryAfter)", retryAfter: retryAfter)
            }
        }
        if sendingMethods.contains(method), let refusal = floodCheck(chatID: chatID, bulk: bulk) {
            announceFlood([refusal.scope], until: clock.now + .seconds(refusal.retryAfter))
            record(method, chatID: chatID, status: 429, violated: false, bulk: bulk)
            return .error(429, "Too Many Requests: retry after \(refusal.retryAfter)", retryAfter: refusal.retryAfter)
        }
        let answer = await perform(method, parameters)
        record(method, chatID: chatID, status: answer.status, violated: false, bulk: bulk)
        return answer
    }

    /// How long after a 429 a request still counts as sent before the client could have known of it.
    static let inFlightGrace: Duration = .milliseconds(100)

    private func perform(_ method: String, _ parameters: JSONValue) async -> EmulatorAnswer {
        do {
            switch method {
            case "getMe":
                var me = configuration.bot.json.objectValue ?? [:]
                me["can_join_groups"] = true
                me["can_read_all_group_messages"] = false
                me["supports_inline_queries"] = false
                return .ok(.object(me))
            case "getUpdates":
                if webhook != nil {
                    return .error(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
                }
                let allowed = parameters["allowed_updates"]?.arrayValue?.compactMap(\.stringValue)
                let outcome = await getUpdates(offset: parameters["offset"]?.int64Value,
                                               limit: Int(parameters["limit"]?.int64Value ?? 100),
                                               timeout: Int(parameters["timeout"]?.int64Value ?? 0), allowed: allowed)
                switch outcome {
                case .updates(let updates): return .ok(.array(updates))
                case .conflict:
                    return .error(409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
                case .abandoned:
                    // Nobody reads this answer; the status marks the poll in `requests`.
                    return .error(499, "Client Closed Request")
                }
            case "setWebhook":
                return setWebhookMethod(parameters)
            case "deleteWebhook":
                setWebhook(String?.none)
                if parameters["drop_pending_updates"]?.boolValue == true { pending.removeAll() }
                return .ok(true)
            case "getWebhookInfo":
                return .ok(webhookInfo())
            case "setMyCommands":
                return try setMyCommands(parameters)
            case "getMyCommands":
                let list = commands[parameters["language_code"]?.stringValue] ?? []
                return .ok(.array(list.map(\.json)))
            case "sendMessage", "sendLocation", "sendVenue":
                return try sendBotMessage(method, parameters)
            case "editMessageText", "editMessageReplyMarkup":
                return try editBotMessage(method, parameters)
            case "answerCallbackQuery":
                guard let id = parameters["callback_query_id"]?.stringValue, issuedCallbackQueries.contains(id) else {
                    return .error(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
                }
                issuedCallbackQueries.remove(id)
                answeredCallbackQueries[id] = .some(parameters["text"]?.stringValue)
                return .ok(true)
            case "sendChatAction":
                _ = try knownChat(parameters)
                return .ok(true)
            case "deleteMessage":
                let chatID = try knownChat(parameters)
                let messageID = Int(parameters["message_id"]?.int64Value ?? 0)
                guard let index = chats[chatID]?.transcript.firstIndex(where: { $0.message.messageID == messageID }) else {
                    return .error(400, "Bad Request: message to delete not found")
                }
                chats[chatID]?.transcript.remove(at: index)
                return .ok(true)
            default:
                return .error(404, "Not Found")
            }
        } catch let failure as MethodFailure {
            return .error(failure.code, failure.description)
        } catch {
            return .error(500, "Internal Server Error")
        }
    }

    // MARK: - Sending and editing

    private func sendBotMessage(_ method: String, _ parameters: JSONValue) throws -> EmulatorAnswer {
        let chatID = try knownChat(parameters)
        guard var record = chats[chatID] else { throw MethodFailure(400, "Bad Request: chat not found") }
        let markup = try replyMarkup(parameters)
        if record.group != nil, case .replyKeyboard(let keyboard) = markup,
           keyboard.keyboard.joined().contains(where: { $0.requestContact || $0.requestLocation }) {
            // Telegram asks for a phone number or a location only in private chats.
            throw MethodFailure(400, "Bad Request: keyboard buttons requesting contact or location are allowed only in private chats")
        }
        var message = Message(messageID: record.nextMessageID, from: configuration.bot,
                              chat: record.group ?? Chat(id: chatID, kind: .privateChat, username: record.user.username,
                                                         firstName: record.user.firstName),
                              date: Self.now())
        switch method {
        case "sendMessage":
            message.text = try displayedText(parameters)
        case "sendLocation":
            message.location = try location(parameters)
        default:
            guard let title = parameters["title"]?.stringValue, let address = parameters["address"]?.stringValue else {
                throw MethodFailure(400, "Bad Request: venue title or address is empty")
            }
            let place = try location(parameters)
            message.location = place
            message.venue = Venue(location: place, title: title, address: address)
        }
        switch markup {
        case .inlineKeyboard(let keyboard): message.replyMarkup = keyboard
        case .replyKeyboard(let keyboard): record.replyKeyboard = keyboard
        case .removeKeyboard: record.replyKeyboard = nil
        case nil: break
        }
        record.nextMessageID += 1
        record.transcript.append(TranscriptEntry(fromBot: true, message: message, at: clock.now))
        chats[chatID] = record
        notifyMessageWaiters(chatID: chatID)
        return .ok(message.json)
    }

    private func editBotMessage(_ method: String, _ parameters: JSONValue) throws -> EmulatorAnswer {
        let chatID = try knownChat(parameters)
        let messageID = Int(parameters["message_id"]?.int64Value ?? 0)
        guard let index = chats[chatID]?.transcript.firstIndex(where: { $0.fromBot && $0.message.messageID == messageID }),
              var message = chats[chatID]?.transcript[index].message
        else { throw MethodFailure(400, "Bad Request: message to edit not found") }
        let before = message
        if method == "editMessageText" {
            guard message.text != nil else { throw MethodFailure(400, "Bad Request: there is no text in the message to edit") }
            message.text = try displayedText(parameters)
        }
        switch try replyMarkup(parameters) {
        case .inlineKeyboard(let keyboard): message.replyMarkup = keyboard.rows.isEmpty ? nil : keyboard
        case nil: if method == "editMessageText" { message.replyMarkup = nil }
        default: throw MethodFailure(400, "Bad Request: inline keyboard expected")
        }
        guard message != before else {
            throw MethodFailure(400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        }
        message.editDate = Self.now()
        chats[chatID]?.transcript[index].message = message
        return .ok(message.json)
    }

    private func setMyCommands(_ parameters: JSONValue) throws -> EmulatorAnswer {
        guard let list = parameters["commands"]?.arrayValue else { throw MethodFailure(400, "Bad Request: parameter \"commands\" is required") }
        var parsed: [BotCommand] = []
        for entry in list {
            guard let command = try? BotCommand(json: entry),
                  command.command.range(of: "^[a-z0-9_]{1,32}$", options: .regularExpression) != nil,
                  (1...256).contains(command.description.count)
            else { throw MethodFailure(400, "Bad Request: BOT_COMMAND_INVALID") }
            parsed.append(command)
        }
        commands[parameters["language_code"]?.stringValue] = parsed
        return .ok(true)
    }

    private func knownChat(_ parameters: JSONValue) throws -> Int64 {
        guard let chatID = parameters["chat_id"]?.int64Value else { throw MethodFailure(400, "Bad Request: chat_id is empty") }
        guard chats[chatID] != nil else { throw MethodFailure(400, "Bad Request: chat not found") }
        if blockedUsers.contains(chatID) { throw MethodFailure(403, "Forbidden: bot was blocked by the user") }
        return chatID
    }

    private func displayedText(_ parameters: JSONValue) throws -> String {
        guard let raw = parameters["text"]?.stringValue, !raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw MethodFailure(400, "Bad Request: message text is empty")
        }
        var text = raw
        if parameters["parse_mode"]?.stringValue == "HTML" {
            do { text = try TelegramHTML.displayedText(raw) } catch {
                throw MethodFailure(400, "Bad Request: can't parse entities: \(error.reason)")
            }
        }
        guard text.count <= 4096 else { throw MethodFailure(400, "Bad Request: message is too long") }
        return text
    }

    private func location(_ parameters: JSONValue) throws -> Location {
        guard let latitude = parameters["latitude"]?.doubleValue, let longitude = parameters["longitude"]?.doubleValue,
              (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { throw MethodFailure(400, "Bad Request: wrong latitude or longitude") }
        return Location(latitude: latitude, longitude: longitude,
                        horizontalAccuracy: parameters["horizontal_accuracy"]?.doubleValue,
                        livePeriod: parameters["live_period"]?.int64Value.map { Int($0) })
    }

    private func replyMarkup(_ parameters: JSONValue) throws -> ReplyMarkup? {
        guard let json = parameters["reply_markup"] else { return nil }
        // Telegram also accepts the markup as a JSON string (form-encoded clients send it so).
        let value = try json.stringValue.map { text in
            do { return try JSONValue.parse(text) } catch { throw MethodFailure(400, "Bad Request: can't parse reply keyboard markup JSON object") }
        } ?? json
        let markup: ReplyMarkup
        do { markup = try ReplyMarkup(json: value) } catch {
            throw MethodFailure(400, "Bad Request: can't parse reply keyboard markup JSON object")
        }
        if case .inlineKeyboard(let keyboard) = markup {
            for button in keyboard.rows.joined() {
                guard !button.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw MethodFailure(400, "Bad Request: can't parse inline keyboard button: button text must be non-empty")
                }
                if let data = button.callbackData, data.utf8.count > 64 {
                    throw MethodFailure(400, "Bad Request: BUTTON_DATA_INVALID")
                }
                // Telegram reports an empty callback_data like a button without any action.
                if button.callbackData?.isEmpty ?? true, button.url == nil {
                    throw MethodFailure(400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                }
            }
        }
        return markup
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Server Error"
        }
    }
}

/// A Bot API call refused with Telegram's code and description.
struct MethodFailure: Error, CustomStringConvertible {
    let code: Int
    let description: String
    init(_ code: Int, _ description: String) {
        self.code = code
        self.description = description
    }
}
