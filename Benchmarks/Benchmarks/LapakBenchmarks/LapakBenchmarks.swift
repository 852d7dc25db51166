import Benchmark
import BotAPIEmulator
import Foundation
import LapakDatabase
import Logging
import TelegramBotAPI

/// An echo handler: each text comes straight back, as the lightest possible bot.
struct EchoHandler: UpdateHandler {
    let client: BotAPIClient

    func handle(_ update: Update) async throws {
        guard case .message(let message) = update.content, let text = message.text else { return }
        try await client.sendMessage(chatID: message.chat.id, text: text)
    }
}

/// The emulator, a SQLite inbox and the long poller with the echo handler, kept running across iterations.
actor EchoRig {
    let emulator: BotAPIEmulator
    let transport: CurlTransport
    let poller: LongPoller
    let folder: URL
    var pollerTask: Task<Void, any Error>?
    /// Echoes each chat must have received so far.
    var expected: [Int64: Int] = [:]

    init() async throws {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: logger)
        try await emulator.start()
        transport = CurlTransport(configuration: .init(maxConcurrentRequests: 16))
        let client = BotAPIClient(token: emulator.token, apiURL: emulator.apiURL, transport: transport, logger: logger)
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bench-\(UUID().uuidString)")
        let database = try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path)
        poller = LongPoller(client: client, inbox: SQLiteUpdateInbox(database: database), handler: EchoHandler(client: client),
                            configuration: .init(pollTimeout: 5), logger: logger)
    }

    func start() {
        let poller = self.poller
        pollerTask = Task { try await poller.run() }
    }

    /// Sends `count` texts from 50 users and waits until every one has been echoed.
    func roundTrip(_ count: Int) async throws {
        let state = emulator.state
        var perChat: [Int64: Int] = [:]
        for index in 0..<count {
            let chat = Int64(1_000 + index % 50)
            await state.sendText(from: User(id: chat, firstName: "U\(chat)"), "pesan \(index)")
            perChat[chat, default: 0] += 1
        }
        for (chat, added) in perChat {
            expected[chat, default: 0] += added
            _ = try await state.waitForBotMessages(chatID: chat, count: expected[chat]!, timeout: .seconds(120))
        }
    }

    func stop() async {
        pollerTask?.cancel()
        _ = try? await pollerTask?.value
        transport.shutdown()
        await emulator.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// A getUpdates answer of 100 text updates, as Telegram would send it (about 40 KB).
func sampleGetUpdatesAnswer() -> [UInt8] {
    let updates: [JSONValue] = (0..<100).map { index in
        let user = User(id: 9_000 + Int64(index), firstName: "Warga \(index)", username: "warga\(index)", languageCode: "id")
        let message = Message(messageID: index, from: user, chat: Chat(id: user.id, firstName: user.firstName), date: 1_764_400_000,
                              text: "ada tukang jahit gak dkt sini? 🧵 \(index) — jl. \"Ahmad Yani\" & sekitarnya, mohon info",
                              entities: [MessageEntity(type: "hashtag", offset: 0, length: 3)])
        return Update(updateID: 500_000 + Int64(index), content: .message(message)).json
    }
    return JSONValue.object(["ok": true, "result": .array(updates)]).serialized()
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(20))
    registryBenchmarks()
    coachingBenchmarks()
    conversationBenchmarks()

    let answer = sampleGetUpdatesAnswer()
    Benchmark("Parse a getUpdates answer of 100 updates (jansson → Update)") { benchmark in
        for _ in benchmark.scaledIterations {
            let json = try JSONValue.parse(answer)
            var decoded = 0
            for entry in json["result"]?.arrayValue ?? [] {
                if (try? Update(json: entry)) != nil { decoded += 1 }
            }
            blackHole(decoded)
        }
    }

    let body = JSONValue.object([
        "chat_id": 123_456_789, "parse_mode": "HTML",
        "text": "<b>Katering Bu Ani</b> · 350 m\nJl. Ahmad Yani &amp; sekitarnya 🍱",
        "reply_markup": ["inline_keyboard": [[["text": "📍 Peta", "callback_data": "v:1"], ["text": "Berikutnya ➡️", "callback_data": "n:2"]]]],
    ])
    Benchmark("Encode a sendMessage body") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(body.serialized()) }
    }

    // Updates per second through the whole pipeline: emulator → libcurl long poll → SQLite inbox →
    // dispatcher → echo handler → sendMessage over libcurl → emulator.
    nonisolated(unsafe) var rig: EchoRig?
    Benchmark("Echo 1000 updates through the poller (emulator, loopback)",
              configuration: .init(metrics: [.wallClock, .throughput], scalingFactor: .kilo, maxDuration: .seconds(60), maxIterations: 10,
                                   setup: {
                                       rig = try await EchoRig()
                                       await rig?.start()
                                   },
                                   teardown: {
                                       await rig?.stop()
                                       rig = nil
                                   })) { benchmark in
        try await rig?.roundTrip(benchmark.scaledIterations.count)
    }
}
