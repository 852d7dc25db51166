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

    @Test("Over HTTP: a 429 to chat A does not delay a reply to chat B, and nothing goes to A inside its retry_after")
    func chatHoldOverHTTP() async throws {
        try await EmulatorFixture.with(retryPolicy: .init(maxFloodRetries: 2), pacer: MessagePacer()) { fixture in
            let state = fixture.emulator.state
            let (ani, budi) = (User.citizen(51), User.citizen(52))
            await state.sendText(from: ani, "halo")
            await state.sendText(from: budi, "halo")
            await state.injectFault(.tooManyRequests(retryAfter: 3), method: "sendMessage")
            let toAni = Task { try await fixture.client.sendMessage(chatID: ani.id, text: "untuk Ani") }
            while fixture.client.floodHoldDeadline(.chat(ani.id)) == nil { try await Task.sleep(for: .milliseconds(5)) }
            #expect(fixture.client.floodHoldDeadline(.chat(budi.id)) == nil)
            _ = try await fixture.client.sendMessage(chatID: budi.id, text: "untuk Budi")
            _ = try await toAni.value

            let sends = await state.requests.filter { $0.method == "sendMessage" }
            let refused = try #require(sends.first { $0.status == 429 })
            let aniRetry = try #require(sends.last { $0.chatID == ani.id })
            let budiReply = try #require(sends.first { $0.chatID == budi.id })
            #expect(refused.chatID == ani.id && aniRetry.status == 200)
            #expect(budiReply.status == 200 && budiReply.at < aniRetry.at)  // Budi was not queued behind Ani's hold
            #expect(aniRetry.at - refused.at >= .seconds(3))
            #expect(await state.floodViolations == 0)
        }
    }

    @Test("Over HTTP: a bulk send's 429 holds bulk sending, while citizens are still answered")
    func bulkHoldOverHTTP() async throws {
        let pacer = MessagePacer()
        try await EmulatorFixture.with(pacer: pacer) { fixture in
            let state = fixture.emulator.state
            let citizen = User.citizen(61)
            let vendors = [User(id: 300_001, firstName: "Vendor 1"), User(id: 300_002, firstName: "Vendor 2")]
            await state.registerUsers(vendors)  // known, but they have not written: messages to them are bulk
            await state.sendText(from: citizen, "halo")
            let bulk = fixture.client.forBulkSending()
            await state.injectFault(.tooManyRequests(retryAfter: 2), method: "sendMessage")
            do {
                _ = try await bulk.sendMessage(chatID: vendors[0].id, text: "Pengumuman")
                Issue.record("the injected 429 must surface to the bulk sender")
            } catch let error as BotAPIError {
                #expect(error.retryAfter == 2)
            }
            #expect(bulk.floodWaitDeadline != nil)
            _ = try await fixture.client.sendMessage(chatID: citizen.id, text: "Jawaban")  // not held
            try await bulk.waitUntilFloodGateOpens()
            _ = try await bulk.sendMessage(chatID: vendors[1].id, text: "Pengumuman")

            let sends = await state.requests.filter { $0.method == "sendMessage" }
            #expect(sends.map(\.chatID) == [vendors[0].id, citizen.id, vendors[1].id])
            #expect(sends.map(\.bulk) == [true, false, true])
            #expect(sends[2].at - sends[0].at >= .seconds(2))
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
    private let log = Mutex<[(url: String, chatID: Int64?, at: Duration)]>([])
    let clock: ManualClock

    init(answers: [String], clock: ManualClock) {
        self.answers = Mutex(answers.map { HTTPResponse(status: 200, body: Array($0.utf8)) })
        self.clock = clock
    }

    func post(_ request: HTTPRequest) async throws(TransportError) -> HTTPResponse {
        let chatID = (try? JSONValue.parse(request.body))?["chat_id"]?.int64Value
        log.withLock { $0.append((request.url, chatID, clock.now)) }
        return answers.withLock { $0.isEmpty ? HTTPResponse(status: 200, body: Array(#"{"ok":true,"result":true}"#.utf8)) : $0.removeFirst() }
    }

    var requests: [(url: String, chatID: Int64?, at: Duration)] { log.withLock { $0 } }
}

/// Telegram's 429 answer with `seconds` of retry_after.
private func tooManyRequests(_ seconds: Int) -> String {
    #"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after \#(seconds)","parameters":{"retry_after":\#(seconds)}}"#
}

/// Yields until `condition` holds (the tasks under test run on the cooperative pool; the clock is manual).
private func settle(_ condition: () -> Bool) async {
    for _ in 0..<100_000 where !condition() { await Task.yield() }
}

@Suite("Scoped flood holds (unit, manual clock)")
struct FloodHoldTests {
    private func client(_ transport: ScriptedTransport, retries: Int = 3, pacer: MessagePacer? = nil) -> BotAPIClient {
        BotAPIClient(token: "1:secret", apiURL: "http://unused", transport: transport, clock: transport.clock,
                     retryPolicy: .init(maxFloodRetries: retries), pacer: pacer, logger: Logger(label: "test"))
    }

    private func requests(_ transport: ScriptedTransport, chat: Int64? = nil, method: String? = nil) -> [Duration] {
        transport.requests.filter { request in
            (chat == nil || request.chatID == chat) && (method == nil || request.url.hasSuffix("/" + method!))
        }.map(\.at)
    }

    @Test("A 429 to one chat holds that chat and bulk, not another citizen's reply nor chat-less calls")
    func chatHoldIsScoped() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(answers: [tooManyRequests(3)], clock: clock)
        let client = client(transport)
        let first = Task { try await client.call("sendMessage", parameters: ["chat_id": 1, "text": "a"]) }
        await settle { clock.sleeperCount == 1 }  // the retry waits out the hold
        #expect(client.floodHoldDeadline(.chat(1)) == .seconds(3))
        #expect(client.floodHoldDeadline(.bulk) == .seconds(3))
        #expect(client.floodHoldDeadline(.chat(2)) == nil)

        // Another citizen, getMe and answerCallbackQuery go at once, at time zero.
        _ = try await client.call("sendMessage", parameters: ["chat_id": 2, "text": "b"])
        _ = try await client.call("getMe")
        _ = try await client.call("answerCallbackQuery", parameters: ["callback_query_id": "q"])
        try await client.waitUntilChatIsFree(2)
        #expect(transport.requests.count == 4 && transport.requests.allSatisfy { $0.at == .zero })

        // Anything else to chat 1 waits for the hold, like the retry.
        let action = Task { try await client.sendChatAction(chatID: 1, action: .typing) }
        let waiter = Task { try await client.waitUntilChatIsFree(1) }
        await settle { clock.sleeperCount == 3 }
        clock.advance(by: .seconds(2))
        #expect(requests(transport, chat: 1).count == 1)
        clock.advance(by: .seconds(1))
        _ = try await first.value
        _ = try await action.value
        try await waiter.value
        let toChat1 = requests(transport, chat: 1)
        #expect(toChat1.count == 3 && toChat1.dropFirst().allSatisfy { $0 >= .seconds(3) })
    }

    @Test("A 429 on a chat-less method holds only that method")
    func methodHoldIsScoped() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(answers: [tooManyRequests(2)], clock: clock)
        let client = client(transport)
        let poll = Task { try await client.call("getUpdates", parameters: ["timeout": 0]) }
        await settle { clock.sleeperCount == 1 }
        #expect(client.floodHoldDeadline(.method("getUpdates")) == .seconds(2))
        #expect(client.floodHoldDeadline(.bulk) == nil)  // not a message: broadcasts are not held
        _ = try await client.deleteWebhook()
        _ = try await client.call("sendMessage", parameters: ["chat_id": 5, "text": "c"])
        try await client.waitUntilFloodGateOpens()
        #expect(transport.requests.allSatisfy { $0.at == .zero })
        clock.advance(by: .seconds(2))
        _ = try await poll.value
        #expect(requests(transport, method: "getUpdates") == [.zero, .seconds(2)])
    }

    @Test("A bulk send's 429 holds bulk and its chat; replies to other chats go on; the next bulk slot is past the hold")
    func bulkHold() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(answers: [tooManyRequests(4)], clock: clock)
        let pacer = MessagePacer(rate: 30, clock: clock)
        let client = client(transport, pacer: pacer)
        let bulk = client.forBulkSending()
        guard case .at(let slot) = pacer.reserveBulkSlot(chatID: 3) else { Issue.record("no slot"); return }
        #expect(try await pacer.waitForBulkSlot(slot) == slot)
        await #expect(throws: BotAPIError.self) { try await bulk.call("sendMessage", parameters: ["chat_id": 3, "text": "x"]) }
        #expect(bulk.floodWaitDeadline == .seconds(4) && client.floodHoldDeadline(.chat(3)) == .seconds(4))

        _ = try await client.call("sendMessage", parameters: ["chat_id": 4, "text": "reply"])  // a citizen is answered at once
        #expect(requests(transport, chat: 4) == [.zero])
        guard case .at(let next) = pacer.reserveBulkSlot(chatID: 5) else { Issue.record("no slot"); return }
        #expect(next > .seconds(4))

        let gate = Task { try await bulk.waitUntilFloodGateOpens() }
        let send = Task { try await bulk.call("sendMessage", parameters: ["chat_id": 6, "text": "y"]) }
        await settle { clock.sleeperCount == 2 }
        #expect(requests(transport, chat: 6).isEmpty)
        clock.advance(by: .seconds(4))
        try await gate.value
        _ = try await send.value
        #expect(requests(transport, chat: 6) == [.seconds(4)])
    }

    @Test("When retries are exhausted the 429 surfaces as rejected with retry_after; no retry inside the window")
    func retriesExhausted() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(answers: [tooManyRequests(1), tooManyRequests(2)], clock: clock)
        let client = client(transport, retries: 1)
        let send = Task { try await client.call("sendMessage", parameters: ["chat_id": 8, "text": "z"]) }
        await settle { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(1))
        do {
            _ = try await send.value
            Issue.record("the second 429 must surface")
        } catch let error as BotAPIError {
            guard case .rejected(let telegram) = error else { Issue.record("expected rejected, got \(error)"); return }
            #expect(telegram.errorCode == 429 && telegram.retryAfter == 2)
        }
        #expect(requests(transport, chat: 8) == [.zero, .seconds(1)])
        #expect(client.floodHoldDeadline(.chat(8)) == .seconds(3))
    }

    @Test("An interactive message never waits for a global slot, even with a full broadcast window; only its chat's burst spaces it")
    func repliesDoNotQueue() async throws {
        let clock = ManualClock()
        let transport = ScriptedTransport(answers: [], clock: clock)
        let pacer = MessagePacer(rate: 30, chatBurst: 3, clock: clock)
        let client = client(transport, pacer: pacer)
        for index in 0..<30 { _ = pacer.reserveBulkSlot(chatID: 10_000 + Int64(index)) }
        for chat in 0..<50 { _ = try await client.call("sendMessage", parameters: ["chat_id": .int(Int64(chat)), "text": "r"]) }
        #expect(transport.requests.count == 50 && transport.requests.allSatisfy { $0.at == .zero })
        // The fourth message in a row to one chat waits for that chat's spacing, nothing else.
        for _ in 0..<2 { _ = try await client.call("sendMessage", parameters: ["chat_id": 0, "text": "more"]) }
        let fourth = Task { try await client.call("sendMessage", parameters: ["chat_id": 0, "text": "fourth"]) }
        await settle { clock.sleeperCount == 1 }
        clock.advance(by: .seconds(2))
        _ = try await fourth.value
        #expect(requests(transport, chat: 0).last! >= pacer.perChatInterval)
    }
}
