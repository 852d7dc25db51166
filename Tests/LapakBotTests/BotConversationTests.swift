import BotAPIEmulator
import Foundation
import InMemoryLogging
import Logging
import LapakBot
import ServiceLifecycle
import Testing
import TelegramBotAPI

@Suite("The bot end to end through the emulator")
struct BotConversationTests {
    static let sari = User(id: 5001, firstName: "Sari <b>&", languageCode: "id")
    static let john = User(id: 5002, firstName: "John", languageCode: "en-US")

    @Test("/start greets in Indonesian with the user's name escaped and shows the main keyboard", arguments: BotStoreKind.allCases)
    func startIndonesian(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let reply = try await harness.say("/start", as: Self.sari)
                #expect(reply.text?.contains("Halo, Sari <b>&!") == true)  // shown literally, not as bold
                let keyboard = await harness.state.currentReplyKeyboard(chatID: Self.sari.id)
                #expect(keyboard?.keyboard.first?.map(\.text) == ["🔎 Cari usaha terdekat", "📍 Kirim lokasi saya"])
                #expect(keyboard?.keyboard.first?.last?.requestLocation == true)
                #expect(keyboard?.keyboard.last?.map(\.text) == ["🏪 Usaha saya", "❓ Bantuan"])
            }
        }
    }

    @Test("An English client gets English; /help and the help button answer with the command list", arguments: BotStoreKind.allCases)
    func englishHelp(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let help = try await harness.say("/help", as: Self.john)
                #expect(help.text?.contains("What I can do") == true)
                let before = await harness.state.botMessages(chatID: Self.john.id).count
                try await harness.state.pressKeyboardButton(from: Self.john, label: "❓ Help")
                let messages = try await harness.state.waitForBotMessages(chatID: Self.john.id, count: before + 1)
                #expect(messages.last?.text?.contains("/language") == true)
                let menu = await harness.state.commands
                // Staff commands (/verifikasi, /magang) are left out of the public menu; /limpahkan is for every vendor.
                #expect(menu[nil]?.map(\.command) == ["start", "cari", "bantuan", "batal", "bahasa", "daftar", "jualan", "tutup", "usahaku", "berhenti", "langganan",
                                                       "limpahkan"])
                #expect(menu["en"]?.map(\.command) == ["start", "search", "help", "cancel", "language", "register", "checkin", "checkout", "mybusiness", "unsubscribe", "subscribe",
                                                      "passon"])
            }
        }
    }

    @Test("/bahasa switches the language and the choice survives a restart", arguments: BotStoreKind.allCases)
    func languageSwitchPersists(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let switched = try await harness.say("/bahasa", as: Self.sari)
                #expect(switched.text?.contains("English") == true)
            }
            try await harness.runBot {
                let help = try await harness.say("/bantuan", as: Self.sari)
                #expect(help.text?.contains("What I can do") == true)
            }
        }
    }

    @Test("Unknown text gets a helpful fallback quoting it safely; unknown commands are named", arguments: BotStoreKind.allCases)
    func fallbacks(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let fallback = try await harness.say("apa <ini> & itu", as: Self.sari)
                #expect(fallback.text?.contains("belum mengerti “apa <ini> & itu”") == true)
                #expect(fallback.text?.contains("/bantuan") == true)
                let unknown = try await harness.say("/terbang", as: Self.sari)
                #expect(unknown.text?.contains("/terbang") == true)
            }
        }
    }

    @Test("A stale button is answered as expired rather than left spinning", arguments: BotStoreKind.allCases)
    func staleButton(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            try await harness.runBot {
                let reply = try await harness.say("/start", as: Self.sari)
                // Forge a keyboard on the bot's message by pressing a button the bot never offered.
                await #expect(throws: EmulatorError.self) {
                    try await harness.state.pressInlineButton(from: Self.sari, messageID: reply.messageID, callbackData: "forged")
                }
            }
        }
    }

    @Test("A token Telegram rejects stops the daemon at start with a clear message", arguments: BotStoreKind.allCases)
    func tokenRejected(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            var settings = try await LapakConfiguration.load(environment: [
                "LAPAK_TELEGRAM_TOKEN": "999999:this-token-is-not-the-emulators",
                "LAPAK_TELEGRAM_API_URL": harness.emulator.apiURL,
                "LAPAK_DATABASE_PATH": harness.databasePath,
            ])
            let service: any Service, transport: CurlTransport
            if let postgres = harness.postgres {
                settings.databaseURL = postgres.url
                let worker = try LapakPostgresApplication(configuration: settings, logger: Logger(label: "test"))
                (service, transport) = (worker.service, worker.transport)
            } else {
                let application = try LapakApplication(configuration: settings, logger: Logger(label: "test"))
                (service, transport) = (application.service, application.transport)
            }
            defer { transport.shutdown() }
            do {
                try await service.run()
                Issue.record("a rejected token must stop the service")
            } catch let error as LapakStartupError {
                #expect("\(error)".contains("token rejected"))
                #expect(!"\(error)".contains("this-token-is-not"))
            }
        }
    }

    @Test("No log line of a whole run, at trace level, contains the token", arguments: BotStoreKind.allCases)
    func tokenNeverLogged(store: BotStoreKind) async throws {
        try await BotHarness.with(store: store) { harness in
            await harness.state.injectFault(.serverError(status: 502), method: "getUpdates")
            await harness.state.injectFault(.dropConnection, method: "sendMessage")
            try await harness.runBot {
                _ = try await harness.say("/start", as: Self.john)
                _ = try await harness.say("halo", as: Self.john)
            }
            let entries = harness.logs.entries
            #expect(entries.count > 5)
            let token = harness.emulator.token
            let secretPart = String(token.split(separator: ":").last!)
            for entry in entries {
                let line = "\(entry.message) \(entry.metadata)"
                #expect(!line.contains(token) && !line.contains(secretPart), "token leaked: \(line)")
            }
        }
    }
}
