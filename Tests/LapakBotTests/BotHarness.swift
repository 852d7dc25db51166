import BotAPIEmulator
import Foundation
import InMemoryLogging
import LapakBot
import LapakRegistry
import Logging
import ServiceLifecycle
import TelegramBotAPI

/// The real bot (LapakApplication) running against the emulator with a fresh SQLite file.
struct BotHarness {
    let emulator: BotAPIEmulator
    let databaseFolder: URL
    let logs: InMemoryLogHandler

    var state: EmulatorState { emulator.state }

    /// Starts an emulator, runs `body`, then stops everything and removes the database.
    static func with(_ body: (BotHarness) async throws -> Void) async throws {
        let emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: Logger(label: "emulator"))
        try await emulator.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bot-\(UUID().uuidString)")
        var logs = InMemoryLogHandler()
        logs.logLevel = .trace
        let harness = BotHarness(emulator: emulator, databaseFolder: folder, logs: logs)
        do {
            try await body(harness)
        } catch {
            await emulator.stop()
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        await emulator.stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Runs the bot while `body` talks to it, then shuts it down gracefully (as SIGTERM would).
    func runBot(registry seed: [Business] = [], checkIns: [(registryID: String, position: GeoPoint)] = [],
                _ body: () async throws -> Void) async throws {
        let settings = try await LapakConfiguration.load(environment: [
            "LAPAK_TELEGRAM_TOKEN": emulator.token,
            "LAPAK_TELEGRAM_API_URL": emulator.apiURL,
            "LAPAK_DATABASE_PATH": databaseFolder.appendingPathComponent("lapak.sqlite").path,
            "LAPAK_TELEGRAM_POLL_TIMEOUT": "2",
        ])
        let handler = logs
        let logger = Logger(label: "lapak", factory: { _ in handler })
        let application = try LapakApplication(configuration: settings, logger: logger)
        if !seed.isEmpty { _ = try await application.registry.upsertAll(seed) }
        for checkIn in checkIns {
            let business = try await application.registry.business(registryID: checkIn.registryID)!
            try await application.registry.checkIn(businessID: business.id, at: checkIn.position, now: Date())
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: application.service)], logger: logger))
        let running = Task { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            application.transport.shutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        application.transport.shutdown()
    }

    /// Waits for the bot's next `count` messages after `before`, and returns them.
    func next(_ count: Int = 1, after before: Int, for user: User) async throws -> [Message] {
        let messages = try await state.waitForBotMessages(chatID: user.id, count: before + count, timeout: .seconds(10))
        return Array(messages[before...])
    }

    /// Sends `text` as `user` and returns the bot's next message to that chat.
    func say(_ text: String, as user: User) async throws -> Message {
        let before = await state.botMessages(chatID: user.id).count
        await state.sendText(from: user, text)
        let messages = try await state.waitForBotMessages(chatID: user.id, count: before + 1, timeout: .seconds(10))
        return messages[before]
    }
}
