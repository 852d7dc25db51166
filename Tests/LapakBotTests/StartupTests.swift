import Foundation
import InMemoryLogging
import LapakBot
import Logging
import ServiceLifecycle
import TelegramBotAPI
import Testing

@Suite("Starting while Telegram cannot be reached")
struct StartupTests {
    @Test("The log names the URL and the setting to check, and SIGTERM during the start-up retries stops promptly")
    func unreachableAPI() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-startup-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let settings = try await LapakConfiguration.load(environment: [
            "LAPAK_TELEGRAM_TOKEN": "123456:TEST-TOKEN-abcdefghijklmnop",
            "LAPAK_TELEGRAM_API_URL": "http://127.0.0.1:9",  // the discard port: nothing listens
            "LAPAK_DATABASE_PATH": folder.appendingPathComponent("lapak.sqlite").path,
        ])
        var logs = InMemoryLogHandler()
        logs.logLevel = .info
        let handler = logs
        let logger = Logger(label: "lapak", factory: { _ in handler })
        let application = try LapakApplication(configuration: settings, logger: logger)
        let group = ServiceGroup(configuration: .init(services: application.services.map { .init(service: $0) }, logger: logger))
        let running = Task { try await group.run() }
        let deadline = ContinuousClock.now + .seconds(10)
        while !logs.entries.contains(where: { "\($0.message)".contains("cannot reach") }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let warning = logs.entries.first { "\($0.message)".contains("cannot reach") }.map { "\($0.message)" }
        #expect(warning?.contains("cannot reach http://127.0.0.1:9 (telegram.api_url / LAPAK_TELEGRAM_API_URL)") == true,
                "\(warning ?? "no warning; the log: \(logs.entries.map { "\($0.level) \($0.message) \($0.metadata ?? [:])" })")")
        #expect(warning?.contains("TEST-TOKEN") == false)

        try await Task.sleep(for: .milliseconds(300))  // inside a retry's backoff now
        let stopping = ContinuousClock.now
        await group.triggerGracefulShutdown()
        try await running.value
        application.transport.shutdown()
        // The promise is "within 2 s"; the margin keeps a loaded CI machine from making this flaky.
        #expect(ContinuousClock.now - stopping < .seconds(4), "stopping took \(ContinuousClock.now - stopping)")
    }
}
