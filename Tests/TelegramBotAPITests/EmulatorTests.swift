import BotAPIEmulator
import Logging
import Testing
import TelegramBotAPI

/// An emulator on its own free port with a real libcurl client, stopped when the test ends.
private struct EmulatorBench {
    let emulator: BotAPIEmulator
    let transport: CurlTransport
    let client: BotAPIClient
    var state: EmulatorState { emulator.state }

    static func run(limits: EmulatorLimits = .off, clock: any MonotonicClock = SystemClock(), _ body: (EmulatorBench) async throws -> Void) async throws {
        var configuration = EmulatorConfiguration()
        configuration.limits = limits
        let emulator = BotAPIEmulator(configuration: configuration, clock: clock, logger: Logger(label: "test"))
        try await emulator.start()
        let transport = CurlTransport()
        let client = BotAPIClient(token: emulator.token, apiURL: emulator.apiURL, transport: transport,
                                  requestTimeout: .seconds(20), retryPolicy: .none, logger: Logger(label: "test"))
        let bench = EmulatorBench(emulator: emulator, transport: transport, client: client)
        do {
            try await body(bench)
        } catch {
            transport.shutdown()
            await emulator.stop()
            throw error
        }
        transport.shutdown()
        await emulator.stop()
    }

    /// A second client with its own flood holds, as another bot process would have: it never saw a 429.
    func otherClient() -> BotAPIClient {
        BotAPIClient(token: emulator.token, apiURL: emulator.apiURL, transport: transport, requestTimeout: .seconds(20),
                     retryPolicy: .none, logger: Logger(label: "test"))
    }

    /// POSTs JSON to the control API and returns the HTTP status and the answer.
    func control(_ action: String, _ body: JSONValue) async throws -> (status: Int, answer: JSONValue) {
        let response = try await transport.post(HTTPRequest(url: emulator.apiURL + "/control/" + action, body: body.serialized(),
                                                            timeout: .seconds(5)))
        return (response.status, try JSONValue.parse(response.body))
    }
}

/// Telegram's refusal inside a client error, or a recorded issue.
private func telegramError(_ operation: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async -> TelegramError? {
    do {
        try await operation()
        Issue.record("the call should have failed", sourceLocation: sourceLocation)
    } catch BotAPIError.rejected(let error) {
        return error
    } catch {
        Issue.record("expected Telegram's refusal, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

private let ani = User(id: 7_001, firstName: "Ani", username: "ani_bontang", languageCode: "id")
private let budi = User(id: 7_002, firstName: "Budi", languageCode: "id")

@Suite("Bot API emulator over loopback HTTP with the real client")
struct EmulatorTests {
    @Test("getMe answers the configured bot")
    func getMe() async throws {
        try await EmulatorBench.run { bench in
            let me = try await bench.client.getMe()
            #expect(me.id == 123_456 && me.isBot && me.username == "LapakBot")
            #expect(bench.emulator.apiURL == "http://127.0.0.1:\(bench.emulator.port)" && bench.emulator.port > 0)
        }
    }

    @Test("getUpdates delivers a command with Telegram's bot_command entity; confirmed updates do not come back")
    func updatesAndOffsets() async throws {
        try await EmulatorBench.run { bench in
            let first = await bench.state.sendText(from: ani, "/start@LapakBot promo")
            let second = await bench.state.sendText(from: ani, "halo")
            #expect(second.updateID == first.updateID + 1)

            let batch = try await bench.client.getUpdates(offset: nil, timeout: 0)
            #expect(batch.updates.map(\.updateID) == [first.updateID, second.updateID])
            guard case .message(let message) = batch.updates.first?.content else {
                Issue.record("expected a message, got \(batch.updates)")
                return
            }
            #expect(message.entities == [MessageEntity(type: "bot_command", offset: 0, length: 15)])
            #expect(message.command == "start" && message.commandTarget == "LapakBot" && message.commandArgument == "promo")
            #expect(message.chat.id == ani.id && message.chat.kind == .privateChat && message.from == ani)
            guard case .message(let plain) = batch.updates.last?.content else { return }
            #expect(plain.entities == nil && plain.messageID == message.messageID + 1)

            // Unconfirmed updates come again; confirmed ones never do.
            #expect(try await bench.client.getUpdates(offset: nil, timeout: 0).updates.count == 2)
            let rest = try await bench.client.getUpdates(offset: first.updateID + 1, timeout: 0)
            #expect(rest.updates.map(\.updateID) == [second.updateID])
            #expect(try await bench.client.getUpdates(offset: second.updateID + 1, timeout: 0).updates.isEmpty)
            #expect(await bench.state.pendingUpdateCount == 0)
        }
    }

    @Test("A long poll wakes up as soon as a message arrives")
    func longPollWakesUp() async throws {
        try await EmulatorBench.run { bench in
            let started = ContinuousClock.now
            let poll = Task { try await bench.client.getUpdates(offset: nil, timeout: 30) }
            try await Task.sleep(for: .milliseconds(150))
            await bench.state.sendText(from: ani, "ada katering?")
            let batch = try await poll.value
            #expect(batch.updates.count == 1)
            // Answered by the message, not by the end of the 30 s poll.
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }

    @Test("An empty long poll ends after its timeout; allowed_updates filters and is remembered")
    func timeoutAndAllowedUpdates() async throws {
        try await EmulatorBench.run { bench in
            let started = ContinuousClock.now
            #expect(try await bench.client.getUpdates(offset: nil, timeout: 1).updates.isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(900))

            await bench.state.sendText(from: ani, "hai")
            let sent = try await bench.client.sendMessage(chatID: ani.id, text: "Pilih",
                replyMarkup: .inlineKeyboard(InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "A", callbackData: "a")]])))
            let press = try await bench.state.pressInlineButton(from: ani, messageID: sent.messageID, callbackData: "a")
            let onlyPresses = try await bench.client.getUpdates(offset: nil, timeout: 0, allowedUpdates: ["callback_query"])
            #expect(onlyPresses.updates.map(\.updateID) == [press.updateID])
            // Telegram keeps the last allowed_updates until a request names a new list.
            #expect(try await bench.client.getUpdates(offset: nil, timeout: 0).updates.map(\.updateID) == [press.updateID])
            #expect(try await bench.client.getUpdates(offset: nil, timeout: 0, allowedUpdates: []).updates.count == 2)
        }
    }

    @Test("A live location moves and stops as edited messages; raw updates are queued verbatim")
    func liveLocationAndRawUpdates() async throws {
        try await EmulatorBench.run { bench in
            let start = await bench.state.sendLocation(from: ani, latitude: 0.13, longitude: 117.50, livePeriod: 900)
            guard case .message(let shared) = start.content else { return }
            let moved = await bench.state.moveLiveLocation(from: ani, messageID: shared.messageID, latitude: 0.14, longitude: 117.51)
            let stopped = await bench.state.stopLiveLocation(from: ani, messageID: shared.messageID)
            await bench.state.enqueueRawUpdate(["update_id": .int(stopped.updateID + 1), "message": ["text": "no chat, no date"]])
            let batch = try await bench.client.getUpdates(offset: nil, timeout: 0)
            #expect(batch.updates.map(\.updateID) == [start.updateID, moved.updateID, stopped.updateID])
            #expect(batch.malformed.map(\.updateID) == [stopped.updateID + 1])
            guard case .editedMessage(let move) = batch.updates[1].content, case .editedMessage(let stop) = batch.updates[2].content else {
                Issue.record("expected two edits, got \(batch.updates)")
                return
            }
            #expect(move.messageID == shared.messageID && move.editDate != nil)
            #expect(move.location?.latitude == 0.14 && move.location?.livePeriod == 900)
            #expect(stop.location?.latitude == 0.14 && stop.location?.livePeriod == nil)
        }
    }

    @Test("A second long poll ends the first with 409; a cancelled poll is forgotten and steals nothing")
    func pollConflictAndCancellation() async throws {
        try await EmulatorBench.run { bench in
            let first = Task { try await bench.client.getUpdates(offset: nil, timeout: 5) }
            try await Task.sleep(for: .milliseconds(150))
            let second = Task { try await bench.otherClient().getUpdates(offset: nil, timeout: 5) }
            let conflict = await telegramError { _ = try await first.value }
            #expect(conflict?.errorCode == 409 && conflict?.conflict == .otherInstance)

            second.cancel()
            _ = try? await second.value
            // The emulator notices the closed connection shortly after; on a loaded machine, later.
            let deadline = ContinuousClock.now + .seconds(5)
            while await bench.state.requests.last?.status != 499, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(await bench.state.requests.last?.status == 499)
            let sent = await bench.state.sendText(from: ani, "masih ada?")
            #expect(try await bench.client.getUpdates(offset: nil, timeout: 1).updates.map(\.updateID) == [sent.updateID])
        }
    }

    @Test("sendMessage appears in the transcript with its inline keyboard")
    func transcript() async throws {
        try await EmulatorBench.run { bench in
            await bench.state.sendText(from: ani, "/cari kue")
            let keyboard = InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "Berikutnya", callbackData: "page:2")]])
            let sent = try await bench.client.sendMessage(chatID: ani.id, text: "<b>3</b> hasil", parseMode: .html,
                                                          replyMarkup: .inlineKeyboard(keyboard))
            #expect(sent.from?.username == "LapakBot" && sent.chat.id == ani.id && sent.messageID == 2)
            let entries = await bench.state.transcript(chatID: ani.id)
            #expect(entries.map(\.fromBot) == [false, true])
            #expect(entries.last?.message.text == "3 hasil")
            #expect(entries.last?.message.replyMarkup == keyboard)
            #expect(try await bench.state.waitForBotMessages(chatID: ani.id, count: 1, timeout: .seconds(1)).count == 1)
            await #expect(throws: EmulatorError.self) {
                try await bench.state.waitForBotMessages(chatID: ani.id, count: 2, timeout: .milliseconds(100))
            }
        }
    }

    @Test("Pressing an inline button yields a callback_query with the data and the bot's message")
    func inlineButton() async throws {
        try await EmulatorBench.run { bench in
            await bench.state.sendText(from: ani, "hai")
            let keyboard = InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "Halal", callbackData: "filter:halal")]])
            let sent = try await bench.client.sendMessage(chatID: ani.id, text: "Saring?", replyMarkup: .inlineKeyboard(keyboard))
            let press = try await bench.state.pressInlineButton(from: ani, messageID: sent.messageID, callbackData: "filter:halal")
            let batch = try await bench.client.getUpdates(offset: press.updateID, timeout: 0)
            guard case .callbackQuery(let query) = batch.updates.first?.content else {
                Issue.record("expected a callback query, got \(batch.updates)")
                return
            }
            #expect(query.data == "filter:halal" && query.from == ani && !query.chatInstance.isEmpty)
            #expect(query.message?.messageID == sent.messageID && query.message?.replyMarkup == keyboard)
            #expect(try await bench.client.answerCallbackQuery(query.id, text: "Oke"))
            #expect(await bench.state.answeredCallbackQueries[query.id] == "Oke")
            await #expect(throws: EmulatorError.self) {
                try await bench.state.pressInlineButton(from: ani, messageID: sent.messageID, callbackData: "filter:vegan")
            }
        }
    }

    @Test("In a group, a message is from the group's chat, and a keyboard asking for a location or contact is refused as Telegram does")
    func groupChats() async throws {
        try await EmulatorBench.run { bench in
            let group = Chat(id: -100_777, kind: .supergroup, title: "Paguyuban")
            let written = await bench.state.sendText(from: ani, "/cari@LapakBot bakso", inGroup: group)
            guard case .message(let message) = written.content else { Issue.record("not a message"); return }
            #expect(message.chat.id == group.id && message.chat.kind == .supergroup && message.from?.id == ani.id)
            #expect(message.command == "cari" && message.commandTarget == "LapakBot")

            let asking = ReplyKeyboardMarkup(keyboard: [[KeyboardButton(text: "📍 Kirim lokasi", requestLocation: true)]])
            await #expect(throws: BotAPIError.self) {
                try await bench.client.sendMessage(chatID: group.id, text: "Di mana?", replyMarkup: .replyKeyboard(asking))
            }
            let sent = try await bench.client.sendMessage(chatID: group.id, text: "Lanjut di chat pribadi")
            #expect(sent.chat.id == group.id && sent.chat.kind == .supergroup)
        }
    }

    @Test("Reply keyboard buttons share a location or the user's contact, and remove_keyboard hides them")
    func keyboardButtons() async throws {
        try await EmulatorBench.run { bench in
            await bench.state.sendText(from: ani, "/lokasi")
            let keyboard = ReplyKeyboardMarkup(keyboard: [[KeyboardButton(text: "📍 Kirim lokasi", requestLocation: true)],
                                                          [KeyboardButton(text: "📞 Nomor saya", requestContact: true)]])
            try await bench.client.sendMessage(chatID: ani.id, text: "Di mana?", replyMarkup: .replyKeyboard(keyboard))
            #expect(await bench.state.currentReplyKeyboard(chatID: ani.id) == keyboard)

            let shared = try await bench.state.pressKeyboardButton(from: ani, label: "📍 Kirim lokasi", location: (0.1335, 117.5081))
            let contact = try await bench.state.pressKeyboardButton(from: ani, label: "📞 Nomor saya")
            let batch = try await bench.client.getUpdates(offset: shared.updateID, timeout: 0)
            guard case .message(let pin) = batch.updates.first?.content, case .message(let card) = batch.updates.last?.content else {
                Issue.record("expected two messages, got \(batch.updates)")
                return
            }
            #expect(pin.location?.latitude == 0.1335 && pin.location?.longitude == 117.5081 && pin.text == nil)
            #expect(card.contact?.userID == ani.id && card.contact?.phoneNumber.isEmpty == false)
            #expect(contact.updateID == shared.updateID + 1)

            try await bench.client.sendMessage(chatID: ani.id, text: "Terima kasih", replyMarkup: .removeKeyboard)
            #expect(await bench.state.currentReplyKeyboard(chatID: ani.id) == nil)
            await #expect(throws: EmulatorError.self) {
                try await bench.state.pressKeyboardButton(from: ani, label: "📍 Kirim lokasi", location: (0, 0))
            }
        }
    }

    @Test("Telegram's refusals: wrong token, unknown method, unknown chat, bad buttons, unmodified edits, webhook")
    func refusals() async throws {
        try await EmulatorBench.run { bench in
            let stranger = BotAPIClient(token: "999:WRONG-TOKEN-abcdefghijklmnop", apiURL: bench.emulator.apiURL,
                                        transport: bench.transport, retryPolicy: .none, logger: Logger(label: "test"))
            let unauthorized = await telegramError { _ = try await stranger.getMe() }
            #expect(unauthorized?.errorCode == 401 && unauthorized?.errorDescription == "Unauthorized")
            let unknown = await telegramError { _ = try await bench.client.call("flyToTheMoon") }
            #expect(unknown?.errorCode == 404 && unknown?.errorDescription == "Not Found")
            let noChat = await telegramError { try await bench.client.sendMessage(chatID: 404, text: "halo") }
            #expect(noChat?.errorCode == 400 && noChat?.errorDescription == "Bad Request: chat not found")

            await bench.state.sendText(from: ani, "hai")
            let tooLong = await telegramError { try await bench.client.sendMessage(chatID: ani.id, text: String(repeating: "a", count: 4097)) }
            #expect(tooLong?.errorDescription == "Bad Request: message is too long")
            let longData = InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "x", callbackData: String(repeating: "d", count: 65))]])
            let badButton = await telegramError { try await bench.client.sendMessage(chatID: ani.id, text: "x", replyMarkup: .inlineKeyboard(longData)) }
            #expect(badButton?.errorDescription == "Bad Request: BUTTON_DATA_INVALID")

            let sent = try await bench.client.sendMessage(chatID: ani.id, text: "Halaman 1")
            let unchanged = await telegramError { _ = try await bench.client.editMessageText(chatID: ani.id, messageID: sent.messageID, text: "Halaman 1") }
            #expect(unchanged?.errorDescription.hasPrefix("Bad Request: message is not modified") == true)
            let missing = await telegramError { _ = try await bench.client.editMessageText(chatID: ani.id, messageID: 999, text: "x") }
            #expect(missing?.errorDescription == "Bad Request: message to edit not found")

            await bench.state.setWebhook("https://example.org/hook")
            let webhook = await telegramError { _ = try await bench.client.getUpdates(offset: nil, timeout: 0) }
            #expect(webhook?.conflict == .webhookActive)
            #expect(try await bench.client.deleteWebhook())
            #expect(try await bench.client.getUpdates(offset: nil, timeout: 0).updates.count == 1)
        }
    }

    @Test("With limits on, a burst to one chat gets 429; a request to that chat inside the window is a violation, others are not")
    func floodLimits() async throws {
        let clock = ManualClock()
        try await EmulatorBench.run(limits: .telegram, clock: clock) { bench in
            await bench.state.sendText(from: ani, "mulai")
            await bench.state.sendText(from: budi, "mulai")
            for index in 0..<3 { try await bench.client.sendMessage(chatID: ani.id, text: "pesan \(index)") }
            let refused = await telegramError { try await bench.client.sendMessage(chatID: ani.id, text: "pesan 3") }
            #expect(refused?.errorCode == 429 && refused?.retryAfter == 1)
            #expect(await bench.state.floodViolations == 0)

            // A client that ignores the announcement (here: one that never saw it) is caught, for that chat only.
            clock.advance(by: .milliseconds(200))
            let other = bench.otherClient()
            try await other.sendMessage(chatID: budi.id, text: "untuk Budi")
            _ = try await other.getMe()
            #expect(await bench.state.floodViolations == 0)
            let ignored = await telegramError { try await other.sendMessage(chatID: ani.id, text: "lagi") }
            #expect(ignored?.errorCode == 429 && ignored?.retryAfter == 1)
            #expect(await bench.state.floodViolations == 1)
            #expect(await bench.state.requests.last?.violatedRetryAfter == true)

            clock.advance(by: .seconds(1))  // the penalty is over and the bucket has a token again
            try await other.sendMessage(chatID: ani.id, text: "akhirnya")
            #expect(await bench.state.floodViolations == 1)
        }
    }

    @Test("The bulk budget: messages to chats that have not written are refused past the rate, counting replies; replies never are")
    func bulkBudget() async throws {
        let clock = ManualClock()
        let limits = EmulatorLimits(globalPerSecond: 5, retryAfterSeconds: 1)
        try await EmulatorBench.run(limits: limits, clock: clock) { bench in
            let vendors = (0..<8).map { User(id: 400_000 + Int64($0), firstName: "Vendor \($0)") }
            await bench.state.registerUsers(vendors)
            await bench.state.sendText(from: ani, "halo")
            for vendor in vendors[0..<5] { try await bench.client.sendMessage(chatID: vendor.id, text: "Pengumuman") }
            let refused = await telegramError { try await bench.client.sendMessage(chatID: vendors[5].id, text: "Pengumuman") }
            #expect(refused?.errorCode == 429)
            // Replies are over the budget too, yet pass: the budget is for broadcasting.
            for index in 0..<6 { try await bench.client.sendMessage(chatID: ani.id, text: "jawaban \(index)") }
            clock.advance(by: .milliseconds(200))
            let ignored = await telegramError { try await bench.otherClient().sendMessage(chatID: vendors[6].id, text: "Pengumuman") }
            #expect(ignored?.errorCode == 429)
            #expect(await bench.state.floodViolations == 1)  // only the bulk send inside the bulk penalty

            // After the penalty, replies still fill the window the bulk budget is counted in.
            clock.advance(by: .seconds(1))
            for index in 0..<5 { try await bench.client.sendMessage(chatID: ani.id, text: "lagi \(index)") }
            let crowded = await telegramError { try await bench.client.sendMessage(chatID: vendors[7].id, text: "Pengumuman") }
            #expect(crowded?.errorCode == 429)
            clock.advance(by: .seconds(1))
            try await bench.client.sendMessage(chatID: vendors[7].id, text: "Pengumuman")
            let records = await bench.state.requests.filter { $0.method == "sendMessage" }
            #expect(records.filter { $0.chatID == ani.id }.allSatisfy { !$0.bulk && $0.status == 200 })
            #expect(records.filter { $0.chatID != ani.id }.allSatisfy { $0.bulk })
        }
    }

    @Test("A chat that wrote more than the reply window ago is bulk again; a group gets 20 messages a minute")
    func replyWindowAndGroups() async throws {
        let clock = ManualClock()
        let limits = EmulatorLimits(globalPerSecond: 1, perGroupPerMinute: 20, replyWindowSeconds: 60)
        try await EmulatorBench.run(limits: limits, clock: clock) { bench in
            await bench.state.sendText(from: ani, "halo")
            try await bench.client.sendMessage(chatID: ani.id, text: "satu")
            try await bench.client.sendMessage(chatID: ani.id, text: "dua")  // a reply: over the budget of 1/s, still fine
            clock.advance(by: .seconds(61))
            try await bench.client.sendMessage(chatID: ani.id, text: "tiga")  // bulk now, the only one this second
            let refused = await telegramError { try await bench.client.sendMessage(chatID: ani.id, text: "empat") }
            #expect(refused?.errorCode == 429)
            #expect(await bench.state.requests.last?.bulk == true)

            // A group chat: known to the emulator as a chat with a negative id.
            clock.advance(by: .seconds(2))  // past the bulk penalty: a group that never wrote is bulk too
            let group = User(id: -100_500, firstName: "Grup UMKM")
            await bench.state.registerUsers([group])
            await bench.state.setLimits(EmulatorLimits(perGroupPerMinute: 20))
            for index in 0..<20 {
                try await bench.client.sendMessage(chatID: group.id, text: "grup \(index)")
                clock.advance(by: .seconds(1))
            }
            let full = await telegramError { try await bench.client.sendMessage(chatID: group.id, text: "grup 20") }
            #expect(full?.errorCode == 429 && (full?.retryAfter ?? 0) >= 30)
            try await bench.client.sendMessage(chatID: ani.id, text: "bukan grup")  // other chats are not held
            clock.advance(by: .seconds(Int64(full?.retryAfter ?? 60)))
            // (The first client holds the group for retry_after in real time; the emulator's clock is manual.)
            try await bench.otherClient().sendMessage(chatID: group.id, text: "grup 20")
            #expect(await bench.state.floodViolations == 0)
        }
    }

    @Test("Injected faults: malformed JSON, a dropped connection and a 502 reach the client as such")
    func faults() async throws {
        try await EmulatorBench.run { bench in
            await bench.state.injectFault(.malformedJSON, method: "getMe")
            do {
                _ = try await bench.client.getMe()
                Issue.record("a garbled answer must fail")
            } catch let error as BotAPIError {
                guard case .invalidResponse = error else {
                    Issue.record("expected invalidResponse, got \(error)")
                    return
                }
            }

            await bench.state.injectFault(.dropConnection)
            do {
                _ = try await bench.client.getMe()
                Issue.record("a dropped connection must fail")
            } catch let error as BotAPIError {
                guard case .transport(let transportError) = error else {
                    Issue.record("expected a transport error, got \(error)")
                    return
                }
                #expect(transportError.kind == .connectionDropped)
            }

            // The control API injects faults too.
            let (status, answer) = try await bench.control("injectFault", ["fault": "serverError", "status": 502, "method": "getMe", "count": 2])
            #expect(status == 200 && answer["ok"] == true)
            for _ in 0..<2 {
                let badGateway = await telegramError { _ = try await bench.client.getMe() }
                #expect(badGateway?.errorCode == 502 && badGateway?.errorDescription == "Bad Gateway")
            }
            #expect(try await bench.client.getMe().username == "LapakBot")
        }
    }

    @Test("The control API simulates users and presses buttons for tools outside the process")
    func controlAPI() async throws {
        try await EmulatorBench.run { bench in
            let (status, answer) = try await bench.control("sendText", ["user": ani.json, "text": "/bantuan"])
            #expect(status == 200)
            let update = try Update(json: answer["result"] ?? .null)
            guard case .message(let message) = update.content else {
                Issue.record("expected a message, got \(update)")
                return
            }
            #expect(message.command == "bantuan")

            let keyboard = InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "Ya", callbackData: "yes")]])
            let sent = try await bench.client.sendMessage(chatID: ani.id, text: "Lanjut?", replyMarkup: .inlineKeyboard(keyboard))
            let press = try await bench.control("pressInlineButton", ["user": ani.json, "message_id": .int(Int64(sent.messageID)),
                                                                      "callback_data": "yes"])
            #expect(press.status == 200 && press.answer["result"]?["callback_query"]?["data"] == "yes")
            let wrong = try await bench.control("pressInlineButton", ["user": ani.json, "message_id": .int(Int64(sent.messageID)),
                                                                      "callback_data": "no"])
            #expect(wrong.status == 400 && wrong.answer["ok"] == false)

            #expect(try await bench.control("block", ["user_id": .int(ani.id)]).status == 200)
            let blocked = await telegramError { try await bench.client.sendMessage(chatID: ani.id, text: "Promo!") }
            #expect(blocked?.errorCode == 403 && blocked?.errorDescription == "Forbidden: bot was blocked by the user")
        }
    }

    @Test("Parameters in the query string work like JSON ones, for trying methods with curl")
    func queryParameters() async throws {
        try await EmulatorBench.run { bench in
            await bench.state.sendText(from: ani, "hai")
            let url = bench.emulator.apiURL + "/bot" + bench.emulator.token + "/sendMessage?chat_id=\(ani.id)&text=Halo+Bu+%26+Pak"
            let response = try await bench.transport.post(HTTPRequest(url: url, body: [], timeout: .seconds(5)))
            #expect(response.status == 200)
            #expect(await bench.state.botMessages(chatID: ani.id).first?.text == "Halo Bu & Pak")
        }
    }
}
