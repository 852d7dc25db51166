import Foundation
import TelegramBotAPI

/// Simulated users: what a person does in the Telegram app, turned into updates.
extension EmulatorState {
    /// Sends a text; a leading `/command` (optionally `@BotName`) gets a bot_command entity as Telegram adds.
    /// - Parameter group: the group it is written in (the bot is a member); nil for the user's private chat.
    @discardableResult
    public func sendText(from user: User, _ text: String, inGroup group: Chat? = nil) -> Update {
        let entities = Self.commandLength(text).map { [MessageEntity(type: "bot_command", offset: 0, length: $0)] }
        return sendUserMessage(from: user, inGroup: group) { id, chat, date in
            Message(messageID: id, from: user, chat: chat, date: date, text: text, entities: entities)
        }
    }

    /// Shares a location; with `livePeriod` it is a live location that later moves by edits.
    @discardableResult
    public func sendLocation(from user: User, latitude: Double, longitude: Double, horizontalAccuracy: Double? = nil,
                             livePeriod: Int? = nil) -> Update {
        let location = Location(latitude: latitude, longitude: longitude, horizontalAccuracy: horizontalAccuracy, livePeriod: livePeriod)
        return sendUserMessage(from: user) { id, chat, date in
            Message(messageID: id, from: user, chat: chat, date: date, location: location)
        }
    }

    /// Moves a live location: an edited_message with the same message_id and a new position.
    @discardableResult
    public func moveLiveLocation(from user: User, messageID: Int, latitude: Double, longitude: Double) -> Update {
        editUserLocation(from: user, messageID: messageID) { old in
            Location(latitude: latitude, longitude: longitude, horizontalAccuracy: old?.horizontalAccuracy, livePeriod: old?.livePeriod)
        }
    }

    /// Stops sharing a live location: the last edit carries no live_period.
    @discardableResult
    public func stopLiveLocation(from user: User, messageID: Int) -> Update {
        editUserLocation(from: user, messageID: messageID) { old in
            Location(latitude: old?.latitude ?? 0, longitude: old?.longitude ?? 0, horizontalAccuracy: old?.horizontalAccuracy)
        }
    }

    /// Shares a contact card (for "share my phone", `userID` is the sender's own id).
    @discardableResult
    public func sendContact(from user: User, phoneNumber: String, firstName: String, userID: Int64?) -> Update {
        let contact = Contact(phoneNumber: phoneNumber, firstName: firstName, userID: userID)
        return sendUserMessage(from: user) { id, chat, date in
            Message(messageID: id, from: user, chat: chat, date: date, contact: contact)
        }
    }

    /// Presses an inline button under a message the bot sent to this user's chat.
    @discardableResult
    public func pressInlineButton(from user: User, messageID: Int, callbackData: String) throws -> Update {
        guard let message = chats[user.id]?.transcript.last(where: { $0.fromBot && $0.message.messageID == messageID })?.message else {
            throw EmulatorError.noSuchButton("the bot sent no message \(messageID) to chat \(user.id)")
        }
        guard message.replyMarkup?.rows.joined().contains(where: { $0.callbackData == callbackData }) == true else {
            throw EmulatorError.noSuchButton("message \(messageID) has no button with data “\(callbackData)”")
        }
        let queryID = String(UInt64.random(in: 1_000_000_000_000...9_999_999_999_999))
        issuedCallbackQueries.insert(queryID)
        let query = CallbackQuery(id: queryID, from: user, message: message, chatInstance: "ci-\(user.id)", data: callbackData)
        return enqueue(kind: "callback_query", payload: query.json)
    }

    /// A modified client: a callback query under a real bot message, with data no button of it carries.
    /// The bot must check every press against the user's rights and state, never trust the data.
    @discardableResult
    public func pressForgedButton(from user: User, messageID: Int, callbackData: String) throws -> Update {
        guard let message = chats[user.id]?.transcript.last(where: { $0.fromBot && $0.message.messageID == messageID })?.message else {
            throw EmulatorError.noSuchButton("the bot sent no message \(messageID) to chat \(user.id)")
        }
        let queryID = String(UInt64.random(in: 1_000_000_000_000...9_999_999_999_999))
        issuedCallbackQueries.insert(queryID)
        let query = CallbackQuery(id: queryID, from: user, message: message, chatInstance: "ci-\(user.id)", data: callbackData)
        return enqueue(kind: "callback_query", payload: query.json)
    }

    /// Users who started the bot some time ago: their private chats exist (the bot may write to them),
    /// with no messages queued for the bot now. For broadcasts to thousands of vendors.
    public func registerUsers(_ users: [User]) {
        for user in users where chats[user.id] == nil {
            chats[user.id] = ChatRecord(user: user)
        }
    }

    /// How many messages the bot has sent to each chat whose text contains `text` (delivery checks).
    public func deliveries(containing text: String) -> [Int64: Int] {
        var counts: [Int64: Int] = [:]
        for (id, record) in chats {
            let count = record.transcript.filter { $0.fromBot && ($0.message.text?.contains(text) ?? false) }.count
            if count > 0 { counts[id] = count }
        }
        return counts
    }

    /// Presses a button of the reply keyboard on the user's screen.
    ///
    /// A request_location button needs `location`; a request_contact button shares the user's own phone.
    @discardableResult
    public func pressKeyboardButton(from user: User, label: String, location: (latitude: Double, longitude: Double)? = nil) throws -> Update {
        guard let keyboard = chats[user.id]?.replyKeyboard,
              let button = keyboard.keyboard.joined().first(where: { $0.text == label })
        else {
            throw EmulatorError.noSuchButton("no reply keyboard button “\(label)” in chat \(user.id)")
        }
        if keyboard.oneTimeKeyboard { chats[user.id]?.replyKeyboard = nil }
        if button.requestLocation {
            guard let location else { throw EmulatorError.noSuchButton("“\(label)” shares a location: give one") }
            return sendLocation(from: user, latitude: location.latitude, longitude: location.longitude, horizontalAccuracy: 12)
        }
        if button.requestContact {
            return sendContact(from: user, phoneNumber: Self.phoneNumber(of: user), firstName: user.firstName, userID: user.id)
        }
        return sendText(from: user, label)
    }

    /// The phone number the emulator gives a simulated user: +62 812 followed by the user id.
    public static func phoneNumber(of user: User) -> String {
        "62812" + String(String(user.id).suffix(8)).leftPadded(to: 8)
    }

    // MARK: - What the bot did

    /// User and bot messages of a chat, in order.
    public func transcript(chatID: Int64) -> [TranscriptEntry] { chats[chatID]?.transcript ?? [] }

    /// The messages the bot sent to a chat, with later edits applied.
    public func botMessages(chatID: Int64) -> [Message] {
        transcript(chatID: chatID).filter(\.fromBot).map(\.message)
    }

    /// The reply keyboard shown in a chat now, if any.
    public func currentReplyKeyboard(chatID: Int64) -> ReplyKeyboardMarkup? { chats[chatID]?.replyKeyboard }

    /// Waits until the bot has sent at least `count` messages to the chat.
    public func waitForBotMessages(chatID: Int64, count: Int, timeout: Duration = .seconds(10)) async throws -> [Message] {
        let current = botMessages(chatID: chatID)
        if current.count >= count { return current }
        let id = UUID()
        return try await withCheckedThrowingContinuation { continuation in
            // Real time: a test waiting for the bot must not hang because it drives a manual clock.
            let timer = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                self.expireMessageWaiter(id)
            }
            messageWaiters.append(MessageWaiter(id: id, chatID: chatID, count: count, continuation: continuation, timer: timer))
        }
    }

    private func expireMessageWaiter(_ id: UUID) {
        guard let index = messageWaiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = messageWaiters.remove(at: index)
        let have = botMessages(chatID: waiter.chatID).count
        waiter.continuation.resume(throwing: EmulatorError.timedOut("the bot sent \(have) of \(waiter.count) messages to chat \(waiter.chatID)"))
    }

    /// Wakes waiters whose count is reached.
    func notifyMessageWaiters(chatID: Int64) {
        let messages = botMessages(chatID: chatID)
        let ready = messageWaiters.filter { $0.chatID == chatID && messages.count >= $0.count }
        messageWaiters.removeAll { $0.chatID == chatID && messages.count >= $0.count }
        for waiter in ready {
            waiter.timer.cancel()
            waiter.continuation.resume(returning: messages)
        }
    }

    // MARK: - Helpers

    /// The UTF-16 length of a leading `/command` or `/command@BotName`, as Telegram marks it; nil without one.
    ///
    /// Telegram marks only the valid part: letters, digits and underscores, then optionally `@` and a
    /// username (`/start!` is marked as `/start`, `/ start` not at all).
    static func commandLength(_ text: String) -> Int? {
        func isWordCharacter(_ unit: UInt16) -> Bool {
            (0x30...0x39).contains(unit) || (0x41...0x5A).contains(unit) || (0x61...0x7A).contains(unit) || unit == 0x5F
        }
        let units = Array(text.utf16)
        guard units.first == 0x2F else { return nil }
        var end = 1
        while end < units.count, isWordCharacter(units[end]) { end += 1 }
        guard end > 1 else { return nil }
        if end < units.count, units[end] == 0x40 {
            var mention = end + 1
            while mention < units.count, isWordCharacter(units[mention]) { mention += 1 }
            if mention > end + 1 { end = mention }
        }
        return end
    }

    private func sendUserMessage(from user: User, inGroup group: Chat? = nil, _ make: (Int, Chat, Int64) -> Message) -> Update {
        let chatID = group?.id ?? user.id
        var record = chats[chatID] ?? ChatRecord(user: user, group: group)
        record.user = user
        let chat = group ?? Chat(id: user.id, kind: .privateChat, username: user.username, firstName: user.firstName, lastName: user.lastName)
        let message = make(record.nextMessageID, chat, Self.now())
        record.nextMessageID += 1
        record.transcript.append(TranscriptEntry(fromBot: false, message: message, at: clock.now))
        chats[chatID] = record
        return enqueue(kind: "message", payload: message.json)
    }

    private func editUserLocation(from user: User, messageID: Int, _ change: (Location?) -> Location) -> Update {
        var record = chats[user.id] ?? ChatRecord(user: user)
        let index = record.transcript.firstIndex { !$0.fromBot && $0.message.messageID == messageID }
        var message = index.map { record.transcript[$0].message }
            ?? Message(messageID: messageID, from: user, chat: Chat(id: user.id, firstName: user.firstName), date: Self.now())
        message.location = change(message.location)
        message.editDate = Self.now()
        if let index { record.transcript[index].message = message }
        chats[user.id] = record
        return enqueue(kind: "edited_message", payload: message.json)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
