import Benchmark
import BotAPIEmulator
import Foundation
import LapakBot
import LapakLanguage
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// Messages as citizens write them, for the intent-matching benchmark.
let sampleMessages = [
    "katering terdekat", "nearest catering", "ada tukang jahit gak dkt sini?", "cari bakso dekat sini", "nasi kotak buat acara",
    "ketring murah", "laundry kiloan deket rumah", "potong rambut", "halo", "makasih ya", "servis hp dimana ya", "kue ulang tahun halal",
]

/// The whole bot (LapakApplication) against the emulator with the 16,000-business sample.
actor BotRig {
    let emulator: BotAPIEmulator
    let application: LapakApplication
    let group: ServiceGroup
    let folder: URL
    var task: Task<Void, any Error>?
    var nextUser: Int64 = 10_000_000

    init() async throws {
        let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
        emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: logger)
        try await emulator.start()
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bench-bot-\(UUID().uuidString)")
        let settings = try await LapakConfiguration.load(environment: [
            "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL,
            "LAPAK_DATABASE_PATH": folder.appendingPathComponent("lapak.sqlite").path, "LAPAK_TELEGRAM_POLL_TIMEOUT": "10",
            // Replies back to back would otherwise wait for Telegram's 30/s pacing; this measures the bot's own work.
            "LAPAK_BROADCAST_RATE": "1000",
        ])
        application = try LapakApplication(configuration: settings, logger: logger)
        _ = try await RegistryImporter(registry: application.registry).importCSV(SampleRegistry(count: 16_000).csv())
        group = ServiceGroup(configuration: .init(services: [.init(service: application.service)], logger: logger))
    }

    func start() {
        let group = self.group
        task = Task { try await group.run() }
    }

    /// A new citizen shares a location; returns when the results message has reached the emulator.
    func locationToResults() async throws {
        nextUser += 1
        let user = User(id: nextUser, firstName: "Warga", languageCode: "id")
        await emulator.state.sendLocation(from: user, latitude: 0.1335, longitude: 117.5081)
        _ = try await emulator.state.waitForBotMessages(chatID: user.id, count: 2, timeout: .seconds(30))
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task?.value
        application.transport.shutdown()
        await emulator.stop()
        try? FileManager.default.removeItem(at: folder)
    }
}

func conversationBenchmarks() {
    let intents = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("intents")
    let taxonomy = try! CategoryTaxonomy.load(from: intents.appendingPathComponent("categories.yml"))
    let matcher = try! IntentMatcher.load(from: intents, taxonomy: taxonomy)
    Benchmark("Intent matching, one message", configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10))) { benchmark in
        for iteration in benchmark.scaledIterations {
            blackHole(matcher.understand(sampleMessages[iteration % sampleMessages.count]))
        }
    }
    // Telegram's longest message: a story of 4,096 characters, real words throughout (every one is compared
    // with the phrases, typo-tolerant), with the request at its start. Only the first
    // `IntentMatcher.scannedLength` characters are read, so it must cost about as much as a short message.
    let story = "Selamat pagi pak, saya mau cari katering untuk acara syukuran rumah baru kami minggu depan, kira-kira "
        + "lima puluh porsi nasi kotak dengan ayam bakar dan sayur, kalau bisa yang halal dan dekat Bontang Kuala. "
    let longMessage = String(String(repeating: story, count: 4096 / story.count + 1).prefix(4096))
    Benchmark("Intent matching, a 4 KB message", configuration: .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(10))) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(matcher.understand(longMessage))
        }
    }

    nonisolated(unsafe) var rig: BotRig?
    Benchmark("Location update to results reply (emulator, 16,000 businesses)",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(20), maxIterations: 300,
                                   setup: {
                                       rig = try await BotRig()
                                       await rig?.start()
                                   },
                                   teardown: {
                                       await rig?.stop()
                                       rig = nil
                                   })) { _ in
        try await rig?.locationToResults()
    }
}
