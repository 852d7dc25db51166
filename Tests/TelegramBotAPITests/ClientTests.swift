import BotAPIEmulator
import Logging
import Synchronization
import Testing
import TelegramBotAPI

@Suite("Bot API client against the emulator (real libcurl, loopback HTTP)")
struct ClientTests {
    @Test("Every method Lapak uses works and has the effect Telegram would show")
    func everyMethod() async throws {
        try await EmulatorFixture.with { fixture in
            let client = fixture.client
            let state = fixture.emulator.state
            let user = User.citizen(42)

            let me = try await client.getMe()
            #expect(me.isBot && me.username == "LapakBot")
            #expect(try await client.deleteWebhook())
            #expect(try await client.setMyCommands([BotCommand(command: "bantuan", description: "Bantuan")]))
            #expect(try await client.setMyCommands([BotCommand(command: "help", description: "Help")], languageCode: "en"))
            #expect(await state.commands["en"]?.first?.command == "help")

            await state.sendText(from: user, "/start")
            let batch = try await client.getUpdates(offset: nil, timeout: 0)
            #expect(batch.updates.count == 1)

            let keyboard = InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "Berikutnya ➡️", callbackData: "page:2")]])
            let sent = try await client.sendMessage(chatID: user.id, text: "Kue &lt;Bu&gt; 🍰", parseMode: .html,
                                                    replyMarkup: .inlineKeyboard(keyboard))
            #expect(sent.text == "Kue <Bu> 🍰")
            #expect(sent.replyMarkup == keyboard)

            try await client.sendChatAction(chatID: user.id, action: .typing)
            let pin = try await client.sendLocation(chatID: user.id, latitude: 0.1335, longitude: 117.5081)
            #expect(pin.location?.latitude == 0.1335)
            let venue = try await client.sendVenue(chatID: user.id, latitude: 0.1443, longitude: 117.4938,
                                                   title: "Katering Bu Ani", address: "Jl. Ahmad Yani, Bontang Baru")
            #expect(venue.venue?.title == "Katering Bu Ani")

            let nextPage = InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "⬅️ Sebelumnya", callbackData: "page:1")]])
            try await client.editMessageText(chatID: user.id, messageID: sent.messageID, text: "Halaman 2", replyMarkup: nextPage)
            #expect(await state.botMessages(chatID: user.id).first { $0.messageID == sent.messageID }?.replyMarkup == nextPage)
            try await client.editMessageReplyMarkup(chatID: user.id, messageID: sent.messageID, replyMarkup: nil)
            let edited = await state.botMessages(chatID: user.id).first { $0.messageID == sent.messageID }
            #expect(edited?.text == "Halaman 2")
            #expect(edited?.replyMarkup?.rows.isEmpty ?? true)

            await #expect(throws: EmulatorError.self) {
                try await state.pressInlineButton(from: user, messageID: pin.messageID, callbackData: "x")
            }
        }
    }

    @Test("A button press arrives as a callback query and can be answered")
    func callbackQuery() async throws {
        try await EmulatorFixture.with { fixture in
            let user = User.citizen(43)
            await fixture.emulator.state.sendText(from: user, "hai")
            let first = try await fixture.client.getUpdates(offset: nil, timeout: 0)
            let offset = first.highestUpdateID.map { $0 + 1 }
            let keyboard = InlineKeyboardMarkup(rows: [[InlineKeyboardButton(text: "Halal saja", callbackData: "halal")]])
            let sent = try await fixture.client.sendMessage(chatID: user.id, text: "Hasil", replyMarkup: .inlineKeyboard(keyboard))
            try await fixture.emulator.state.pressInlineButton(from: user, messageID: sent.messageID, callbackData: "halal")
            let batch = try await fixture.client.getUpdates(offset: offset, timeout: 1)
            guard case .callbackQuery(let query) = batch.updates.first?.content else {
                Issue.record("expected a callback query, got \(batch.updates)")
                return
            }
            #expect(query.data == "halal")
            #expect(query.message?.messageID == sent.messageID)
            #expect(try await fixture.client.answerCallbackQuery(query.id, text: "Oke"))
            #expect(await fixture.emulator.state.answeredCallbackQueries[query.id] == "Oke")
            try await fixture.client.deleteMessage(chatID: user.id, messageID: sent.messageID)
            #expect(await fixture.emulator.state.botMessages(chatID: user.id).isEmpty)
        }
    }

    @Test("Telegram's errors reach the caller with code, description and retry_after, and without the token")
    func errors() async throws {
        try await EmulatorFixture.with { fixture in
            do {
                try await fixture.client.sendMessage(chatID: 999_999, text: "halo")
                Issue.record("sending to an unknown chat must fail")
            } catch let error as BotAPIError {
                #expect(error.errorCode == 400)
                #expect(error.description.contains("chat not found"))
                #expect(!error.description.contains(fixture.emulator.token))
            }
            await fixture.emulator.state.injectFault(.tooManyRequests(retryAfter: 7), method: "sendChatAction")
            await fixture.emulator.state.sendText(from: .citizen(44), "hai")
            do {
                try await fixture.client.sendChatAction(chatID: 44, action: .typing)
                Issue.record("the injected 429 must surface")
            } catch let error as BotAPIError {
                #expect(error.errorCode == 429)
                #expect(error.retryAfter == 7)
                #expect(error.isTransient)
            }
        }
    }

    @Test("A user who blocked the bot is answered 403 and reported unreachable")
    func blockedUser() async throws {
        try await EmulatorFixture.with { fixture in
            let user = User.citizen(46)
            await fixture.emulator.state.sendText(from: user, "/berhenti")
            await fixture.emulator.state.block(userID: user.id)
            do {
                try await fixture.client.sendMessage(chatID: user.id, text: "Pelatihan halal gratis!")
                Issue.record("sending to a user who blocked the bot must fail")
            } catch let error as BotAPIError {
                guard case .rejected(let telegramError) = error else {
                    Issue.record("expected Telegram's refusal, got \(error)")
                    return
                }
                #expect(telegramError.errorCode == 403)
                #expect(telegramError.isRecipientUnreachable)
                #expect(telegramError.errorDescription == "Forbidden: bot was blocked by the user")
                #expect(!error.isTransient)
            }
        }
    }

    @Test("A wrong token is answered 401 and the message does not contain the token")
    func wrongToken() async throws {
        try await EmulatorFixture.with { fixture in
            let secret = "987654:WRONG-wrong-wrong-wrong-wrong"
            let client = BotAPIClient(token: secret, apiURL: fixture.emulator.apiURL, transport: fixture.transport,
                                      retryPolicy: .none, logger: Logger(label: "test"))
            do {
                _ = try await client.getMe()
                Issue.record("a wrong token must be refused")
            } catch let error as BotAPIError {
                #expect(error.errorCode == 401)
                #expect(!"\(error)".contains(secret))
            }
        }
    }

    @Test("With the emulator's flood limits on, a burst of sends all arrive and none is sent inside a retry_after window")
    func floodLimitsHonoured() async throws {
        try await EmulatorFixture.with(limits: .telegram, retryPolicy: .init(maxFloodRetries: 10)) { fixture in
            let user = User.citizen(45)
            await fixture.emulator.state.sendText(from: user, "mulai")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 {
                    group.addTask { try await fixture.client.sendMessage(chatID: user.id, text: "pesan \(index)") }
                }
                try await group.waitForAll()
            }
            let state = fixture.emulator.state
            #expect(await state.botMessages(chatID: user.id).count == 6)
            #expect(await state.requests.contains { $0.status == 429 })
            #expect(await state.floodViolations == 0)
        }
    }

    @Test("Cancelling a long poll aborts the transfer promptly")
    func cancelLongPoll() async throws {
        try await EmulatorFixture.with { fixture in
            let started = ContinuousClock.now
            let poll = Task { try await fixture.client.getUpdates(offset: nil, timeout: 30) }
            try await Task.sleep(for: .milliseconds(200))
            poll.cancel()
            do {
                _ = try await poll.value
                Issue.record("a cancelled poll must not return updates")
            } catch let error as BotAPIError {
                guard case .transport(let transportError) = error else {
                    Issue.record("expected a transport error, got \(error)")
                    return
                }
                #expect(transportError.kind == .cancelled)
            }
            // Far sooner than the 30 s the poll would have lasted (libcurl checks about once a second; loaded CI is slow).
            #expect(ContinuousClock.now - started < .seconds(15))
        }
    }
}

/// A scripted transport for unit tests of the client's retry logic (no network).
final class ScriptedTransport: HTTPTransport, Sendable {
    private let answers: Mutex<[HTTPResponse]>
    private let log = Mutex<[(url: String, at: Duration)]>([])
    let clock: ManualClock

    init(answers: [String], clock: ManualClock) {
        self.answers = Mutex(answers.map { HTTPResponse(status: 200, body: Array($0.utf8)) })
        self.clock = clock
    }

    func post(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        log.withLock { $0.append((request.url, clock.now)) }
        return answers.withLock { $0.isEmpty ? HTTPResponse(status: 200, body: Array(#"{"ok":true,"result":true}"#.utf8)) : $0.removeFirst() }
    }

    var requests: [(url: String, at: Duration)] { log.withLock { $0 } }
}

@Suite("Flood gate (unit, manual clock)")
struct FloodGateTests {
    @Test("One 429 holds every request, of any method, until retry_after has passed")
    func gateHoldsEverything() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(answers: [
            #"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#,
        ], clock: clock)
        let client = BotAPIClient(token: "1:secret", apiURL: "http://unused", transport: transport, clock: clock,
                                  logger: Logger(label: "test"))
        let first = Task { try await client.sendChatAction(chatID: 1, action: .typing) }
        while clock.sleeperCount == 0 { await Task.yield() }
        let second = Task { try await client.deleteWebhook() }
        while clock.sleeperCount < 2 { await Task.yield() }
        #expect(transport.requests.count == 1)
        clock.advance(by: .seconds(2))
        #expect(transport.requests.count == 1)
        clock.advance(by: .seconds(1))
        _ = try await first.value
        _ = try await second.value
        #expect(transport.requests.count == 3)
        #expect(transport.requests.dropFirst().allSatisfy { $0.at >= .seconds(3) })
    }
}
