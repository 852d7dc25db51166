import BotAPIEmulator
import Foundation
import LapakDatabase
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TelegramBotAPI

/// A running emulator with a real libcurl client pointed at it.
struct EmulatorFixture {
    let emulator: BotAPIEmulator
    let transport: CurlTransport
    let client: BotAPIClient

    /// Starts an emulator on a free loopback port, runs `body`, and stops everything.
    static func with<T>(limits: EmulatorLimits = .off, retryPolicy: BotAPIClient.RetryPolicy = .none, pacer: MessagePacer? = nil,
                        _ body: (EmulatorFixture) async throws -> T) async throws -> T {
        let logger = Logger(label: "test")
        var configuration = EmulatorConfiguration()
        configuration.limits = limits
        let emulator = BotAPIEmulator(configuration: configuration, logger: logger)
        try await emulator.start()
        // Generous time-outs: these tests check behaviour, not speed, and at the start of a full run some forty
        // bots and emulators start together on two cores, so an answer can wait seconds for a thread.
        let transport = CurlTransport(configuration: .init(maxConcurrentRequests: 8, connectTimeout: .seconds(10)))
        let client = BotAPIClient(token: emulator.token, apiURL: emulator.apiURL, transport: transport,
                                  requestTimeout: .seconds(20), retryPolicy: retryPolicy, pacer: pacer, logger: logger)
        let fixture = EmulatorFixture(emulator: emulator, transport: transport, client: client)
        do {
            let result = try await body(fixture)
            transport.shutdown()
            await emulator.stop()
            return result
        } catch {
            transport.shutdown()
            await emulator.stop()
            throw error
        }
    }
}

/// A fresh SQLite file in a temporary folder, removed at the end.
struct TemporaryDatabase {
    let folder: URL
    var path: String { folder.appendingPathComponent("lapak.sqlite").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-test-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func open() throws -> AppDatabase { try AppDatabase.open(path: path) }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// A handler that records what it handled, in order, and can be told to misbehave.
final class RecordingHandler: UpdateHandler, Sendable {
    struct Record: Sendable {
        var updateID: Int64
        var chatID: Int64?
        var text: String?
    }

    private let records = Mutex<[Record]>([])
    private let active = Mutex<(now: Int, peak: Int)>((0, 0))
    private let delay: @Sendable (Update) -> Duration
    private let onHandle: @Sendable (Update) async throws -> Void

    init(delay: @escaping @Sendable (Update) -> Duration = { _ in .zero },
         onHandle: @escaping @Sendable (Update) async throws -> Void = { _ in }) {
        self.delay = delay
        self.onHandle = onHandle
    }

    func handle(_ update: Update) async throws {
        active.withLock { state in
            state.now += 1
            state.peak = max(state.peak, state.now)
        }
        defer { active.withLock { $0.now -= 1 } }
        try await onHandle(update)
        let pause = delay(update)
        if pause > .zero { try await Task.sleep(for: pause) }
        var text: String?
        if case .message(let message) = update.content { text = message.text }
        let record = Record(updateID: update.updateID, chatID: update.chatID, text: text)
        records.withLock { $0.append(record) }
    }

    var handled: [Record] { records.withLock { $0 } }
    var peakConcurrency: Int { active.withLock { $0.peak } }

    /// Waits (polling every 10 ms, up to `timeout`) until `count` updates were handled.
    func waitForHandled(_ count: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while handled.count < count {
            if ContinuousClock.now > deadline {
                throw FixtureTimeout(message: "handled \(handled.count) of \(count) updates")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}

struct FixtureTimeout: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs a poller in a ServiceGroup so graceful shutdown works as in production.
struct RunningPoller {
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(_ poller: LongPoller) -> RunningPoller {
        let group = ServiceGroup(configuration: .init(services: [.init(service: poller)], logger: Logger(label: "test")))
        let task = Task { try await group.run() }
        return RunningPoller(group: group, task: task)
    }

    /// Triggers graceful shutdown and waits for the poller to return.
    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

extension User {
    static func citizen(_ id: Int64, language: String = "id") -> User {
        User(id: id, firstName: "Warga \(id)", languageCode: language)
    }
}
