import BotAPIEmulator
import Foundation
import LapakDatabase
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TelegramBotAPI

@Suite("Long poller (emulator, real SQLite file, real libcurl)")
struct PollerTests {
    static func poller(_ fixture: EmulatorFixture, database: AppDatabase, handler: any UpdateHandler,
                       configure: (inout LongPoller.Configuration) -> Void = { _ in }) -> LongPoller {
        var configuration = LongPoller.Configuration(pollTimeout: 1, backoff: Backoff(initial: .milliseconds(100), maximum: .seconds(1)))
        configure(&configuration)
        return LongPoller(client: fixture.client, inbox: SQLiteUpdateInbox(database: database), handler: handler,
                          configuration: configuration, logger: Logger(label: "test"))
    }

    @Test("The offset survives a restart: no update is handled twice, none is lost")
    func offsetPersistence() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            let handler = RecordingHandler()
            for index in 1...3 { await state.sendText(from: .citizen(1), "pesan \(index)") }
            var running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler))
            try await handler.waitForHandled(3)
            try await running.stop()
            #expect(await state.pendingUpdateCount == 0, "shutdown confirms the offset with Telegram")

            for index in 4...5 { await state.sendText(from: .citizen(1), "pesan \(index)") }
            running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler))
            try await handler.waitForHandled(5)
            try await Task.sleep(for: .milliseconds(300))
            try await running.stop()
            #expect(handler.handled.map(\.text) == (1...5).map { "pesan \($0)" })
        }
    }

    @Test("After a crash mid-handling only the unfinished update is handled again")
    func crashRecovery() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            let crashed = RecordingHandler(onHandle: { update in
                if case .message(let message) = update.content, message.text == "crash here" {
                    // Simulates kill -9 mid-handling: this task never finishes its update.
                    try await Task.sleep(for: .seconds(3600))
                }
            })
            await state.sendText(from: .citizen(2), "first")
            await state.sendText(from: .citizen(2), "crash here")
            await state.sendText(from: .citizen(3), "other chat")
            let crashing = Task { try await Self.poller(fixture, database: try storage.open(), handler: crashed).run() }
            try await crashed.waitForHandled(2)  // "first" and "other chat"; "crash here" hangs
            // Crash only once both are recorded as handled: what was committed before the crash stays done.
            let inbox = SQLiteUpdateInbox(database: try storage.open())
            while try await inbox.unfinishedUpdates().count > 1 { try await Task.sleep(for: .milliseconds(10)) }
            crashing.cancel()  // not graceful: the process is gone
            _ = try? await crashing.value

            let restarted = RecordingHandler()
            let running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: restarted))
            try await restarted.waitForHandled(1)
            try await Task.sleep(for: .milliseconds(300))
            try await running.stop()
            #expect(restarted.handled.map(\.text) == ["crash here"])
        }
    }

    @Test("One chat's updates are handled in order while chats run in parallel")
    func perChatOrder() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let handler = RecordingHandler(delay: { _ in .milliseconds(Int.random(in: 1...15)) })
            for round in 0..<12 {
                for chat in Int64(10)...14 { await fixture.emulator.state.sendText(from: .citizen(chat), "\(chat)-\(round)") }
            }
            let running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler))
            try await handler.waitForHandled(60)
            try await running.stop()
            for chat in Int64(10)...14 {
                let texts = handler.handled.filter { $0.chatID == chat }.map(\.text)
                #expect(texts == (0..<12).map { "\(chat)-\($0)" })
            }
            #expect(handler.peakConcurrency > 1)
        }
    }

    @Test("429 on getUpdates: the poller waits retry_after and sends nothing inside the window")
    func floodOnPolling() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            await state.injectFault(.tooManyRequests(retryAfter: 1), method: "getUpdates")
            await state.sendText(from: .citizen(4), "halo")
            let handler = RecordingHandler()
            let running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler))
            try await handler.waitForHandled(1)
            try await running.stop()
            let polls = await state.requests.filter { $0.method == "getUpdates" }
            #expect(polls.first?.status == 429)
            #expect(polls.count >= 2 && polls[1].at - polls[0].at >= .seconds(1))
            #expect(await state.floodViolations == 0)
        }
    }

    @Test("5xx answers and dropped connections are retried with growing pauses")
    func backoffOnFaults() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            await state.injectFault(.serverError(status: 502), method: "getUpdates", count: 2)
            await state.injectFault(.dropConnection, method: "getUpdates", count: 1)
            await state.sendText(from: .citizen(5), "masih di sana?")
            let handler = RecordingHandler()
            let running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler))
            try await handler.waitForHandled(1)
            try await running.stop()
            let polls = await state.requests.filter { $0.method == "getUpdates" }
            #expect(polls.count >= 4)
            let gaps = zip(polls.dropFirst(), polls).prefix(3).map { $0.at - $1.at }
            // Backoff 100 ms doubling, equal jitter: at least 50, 100, 200 ms.
            #expect(gaps.count == 3)
            for (gap, floor) in zip(gaps, [50, 100, 200]) { #expect(gap >= .milliseconds(floor)) }
            #expect(handler.handled.map(\.text) == ["masih di sana?"])
        }
    }

    @Test("A malformed update is skipped and the rest of the batch is handled; a garbled answer is retried")
    func malformed() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            await state.sendText(from: .citizen(6), "sebelum")
            let before = await state.pendingUpdateCount
            #expect(before == 1)
            await state.enqueueRawUpdate(["update_id": 900_000_000, "message": ["message_id": "not a number"]])
            await state.injectFault(.malformedJSON, method: "getUpdates")
            let handler = RecordingHandler()
            let running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler))
            try await handler.waitForHandled(1)
            await state.sendText(from: .citizen(6), "sesudah")
            try await handler.waitForHandled(2)
            try await running.stop()
            #expect(handler.handled.map(\.text) == ["sebelum", "sesudah"])
        }
    }

    @Test("409 with a webhook set stops with a clear error, or deletes the webhook when allowed")
    func webhookConflict() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let state = fixture.emulator.state
            await state.setWebhook("https://example.invalid/hook")
            let handler = RecordingHandler()
            await #expect(throws: PollingError.self) {
                try await Self.poller(fixture, database: try storage.open(), handler: handler).run()
            }
            await state.sendText(from: .citizen(7), "halo")
            let running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler) {
                $0.deleteWebhookOnConflict = true
            })
            try await handler.waitForHandled(1)
            try await running.stop()
        }
    }

    @Test("Graceful shutdown interrupts a long poll, finishes the update in hand and exits promptly")
    func gracefulShutdown() async throws {
        let storage = try TemporaryDatabase()
        defer { storage.remove() }
        try await EmulatorFixture.with { fixture in
            let started = Mutex(false)
            let handler = RecordingHandler(delay: { _ in .milliseconds(500) }, onHandle: { _ in started.withLock { $0 = true } })
            let running = RunningPoller.start(Self.poller(fixture, database: try storage.open(), handler: handler) {
                $0.pollTimeout = 30
            })
            await fixture.emulator.state.sendText(from: .citizen(8), "lambat")
            while !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }  // picked up, handler busy
            let stopping = ContinuousClock.now
            try await running.stop()
            #expect(ContinuousClock.now - stopping < .seconds(3))
            #expect(handler.handled.map(\.text) == ["lambat"])
            #expect(try await SQLiteUpdateInbox(database: storage.open()).unfinishedUpdates().isEmpty)
            #expect(await fixture.emulator.state.pendingUpdateCount == 0)
        }
    }
}
