import BotAPIEmulator
import Foundation
import InMemoryLogging
import LapakBot
import LapakRegistry
import Logging
import ServiceLifecycle
import Synchronization
import TelegramBotAPI

/// The real bot running against the emulator: `LapakApplication` with a fresh SQLite file, or with `store:
/// .postgres`, one worker (`LapakPostgresApplication`) on a fresh PostgreSQL database.
struct BotHarness {
    let emulator: BotAPIEmulator
    let databaseFolder: URL
    let logs: InMemoryLogHandler
    /// The PostgreSQL database of a `.postgres` harness; nil on SQLite.
    var postgres: WorkerDatabase? = nil

    var state: EmulatorState { emulator.state }
    /// The bot's SQLite file.
    var databasePath: String { databaseFolder.appendingPathComponent("lapak.sqlite").path }

    /// Starts an emulator, runs `body`, then stops everything and removes the database.
    static func with(store: BotStoreKind = .sqlite, _ body: (BotHarness) async throws -> Void) async throws {
        let emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: Logger(label: "emulator"))
        try await emulator.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-bot-\(UUID().uuidString)")
        var logs = InMemoryLogHandler()
        logs.logLevel = .trace
        let postgres = store == .postgres ? try await WorkerDatabase.make() : nil
        let harness = BotHarness(emulator: emulator, databaseFolder: folder, logs: logs, postgres: postgres)
        do {
            try await body(harness)
        } catch {
            await emulator.stop()
            try? FileManager.default.removeItem(at: folder)
            postgres?.drop()
            throw error
        }
        await emulator.stop()
        try? FileManager.default.removeItem(at: folder)
        postgres?.drop()
    }

    /// Runs the bot while `body` talks to it, then shuts it down gracefully (as SIGTERM would).
    ///
    /// - Parameters:
    ///   - staff: user ids given as LAPAK_STAFF_IDS.
    ///   - clock: the bot's wall clock ("today", expiry); the real time when nil.
    ///   - environment: more LAPAK_* settings.
    func runBot(registry seed: [Business] = [], checkIns: [(registryID: String, position: GeoPoint)] = [], staff: [Int64] = [],
                clock: WallClock? = nil, environment: [String: String] = [:], adjust: (inout LapakConfiguration) -> Void = { _ in },
                alongside extra: (RunningBot) -> [any Service] = { _ in [] }, _ body: () async throws -> Void) async throws {
        var settings = try await LapakConfiguration.load(environment: environment.merging([
            "LAPAK_TELEGRAM_TOKEN": emulator.token,
            "LAPAK_TELEGRAM_API_URL": emulator.apiURL,
            "LAPAK_DATABASE_PATH": databaseFolder.appendingPathComponent("lapak.sqlite").path,
            "LAPAK_TELEGRAM_POLL_TIMEOUT": "2",
            "LAPAK_STAFF_IDS": staff.map(String.init).joined(separator: ","),
        ]) { mine, _ in mine })
        adjust(&settings)
        let handler = logs
        let logger = Logger(label: "lapak", factory: { _ in handler })
        let now: @Sendable () -> Date
        if let clock { now = { clock.now } } else { now = { Date() } }
        if let postgres {
            settings.databaseURL = postgres.url
            return try await runWorker(settings, seed: seed, checkIns: checkIns, now: now, logger: logger, alongside: extra, body)
        }
        let application = try LapakApplication(configuration: settings, now: now, logger: logger)
        if !seed.isEmpty { _ = try await application.registry.upsertAll(seed) }
        for checkIn in checkIns {
            let business = try await application.registry.business(registryID: checkIn.registryID)!
            try await application.registry.checkIn(businessID: business.id, at: checkIn.position, now: Date())
        }
        try await Self.run(application.services + extra(.sqlite(application)), transport: application.transport, logger: logger, body)
    }

    /// Runs `services` in a service group while `body` runs, then stops them gracefully (as SIGTERM would)
    /// and shuts the transport down, whether `body` threw or not.
    static func run(_ services: [any Service], transport: CurlTransport, logger: Logger, _ body: () async throws -> Void) async throws {
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        let running = Task { try await group.run() }
        do {
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            transport.shutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await running.value
        transport.shutdown()
    }

    /// Presses the inline button with `data` under the bot's latest message that has it; returns the next `count` messages.
    @discardableResult
    func tap(_ data: String, as user: User, expecting count: Int = 1) async throws -> [Message] {
        let messages = await state.botMessages(chatID: user.id)
        guard let message = messages.last(where: { $0.replyMarkup?.rows.joined().contains { $0.callbackData == data } == true }) else {
            throw HarnessError("no message to \(user.firstName) has a button \(data); buttons: \(messages.last?.replyMarkup?.rows.joined().compactMap(\.callbackData) ?? [])")
        }
        try await state.pressInlineButton(from: user, messageID: message.messageID, callbackData: data)
        return try await next(count, after: messages.count, for: user)
    }

    /// Presses a reply keyboard button (a location button needs `location`); returns the next `count` messages.
    @discardableResult
    func press(_ label: String, as user: User, location: GeoPoint? = nil, expecting count: Int = 1) async throws -> [Message] {
        let before = await state.botMessages(chatID: user.id).count
        try await state.pressKeyboardButton(from: user, label: label, location: location.map { ($0.latitude, $0.longitude) })
        return try await next(count, after: before, for: user)
    }

    /// Sends `text` as `user` and returns the bot's next `count` messages.
    func say(_ text: String, as user: User, expecting count: Int) async throws -> [Message] {
        let before = await state.botMessages(chatID: user.id).count
        await state.sendText(from: user, text)
        return try await next(count, after: before, for: user)
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

/// A wall clock a test sets by hand (check-in expiry at local midnight).
final class WallClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func set(_ date: Date) { current.withLock { $0 = date } }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
