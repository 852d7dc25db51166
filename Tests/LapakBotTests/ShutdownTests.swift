import BotAPIEmulator
import Foundation
import Logging
import TelegramBotAPI
import Testing

extension SubprocessTests {
    /// SIGTERM as systemd sends it: one service group owns the signal and stops the daemon's services one by
    /// one, the last started first, and the process exits 0.
    @Suite("A stop by SIGTERM: one owner of the signal, the services stopped in order, exit status 0")
    struct ShutdownTests {
        @Test("SIGTERM stops every service in reverse order of start, through the daemon's one service group", arguments: BotStoreKind.allCases)
        func stopsInOrder(store: BotStoreKind) async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: Logger(label: "emulator"))
            try await emulator.start()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-sigterm-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            // Logged at debug: the service group says which service it asks to stop and which finished.
            var environment = [
                "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL, "LAPAK_TELEGRAM_POLL_TIMEOUT": "1",
                "LAPAK_LOG_LEVEL": "debug", "LAPAK_WEB_PORT": "0",
                "LAPAK_DATABASE_PATH": folder.appendingPathComponent("lapak.sqlite").path,
            ]
            var database: WorkerDatabase?
            if store == .postgres {
                database = try await WorkerDatabase.make()
                environment["LAPAK_DATABASE_URL"] = database?.url
            }
            defer { database?.drop() }

            let daemon = try DaemonCrashTests.launch(environment)
            try await DaemonCrashTests.waitUntil(timeout: .seconds(60)) {
                daemon.logTail(lines: 400)?.contains("[LapakWeb] Serving") == true || !daemon.isRunning
            }
            try await DaemonCrashTests.waitUntil(timeout: .seconds(30)) {
                await emulator.state.requests.contains { $0.method == "getUpdates" } || !daemon.isRunning
            }
            // Two updates handled before the stop, which the last line counts.
            let citizen = User(id: 9_310, firstName: "Sari", languageCode: "id")
            await emulator.state.sendText(from: citizen, "halo")
            _ = try await emulator.state.waitForBotMessages(chatID: citizen.id, count: 1, timeout: .seconds(30))
            await emulator.state.sendText(from: citizen, "/bantuan")
            _ = try await emulator.state.waitForBotMessages(chatID: citizen.id, count: 2, timeout: .seconds(30))
            daemon.send(SIGTERM)
            try await daemon.waitForExit()
            #expect(daemon.termination == .exited(0), daemon.report)

            let log = daemon.logTail(lines: 100_000) ?? ""
            // The HTTP server once ran a service group of its own that caught SIGTERM too: it could stop before
            // the daemon's group saw the signal, which then cancelled everything and exited 1.
            let signalOwners = log.split(separator: "\n").filter { $0.contains("Starting service lifecycle") && $0.contains("SIGTERM") }
            #expect(signalOwners.count == 1, "groups listening for SIGTERM:\n\(signalOwners.joined(separator: "\n"))")
            #expect(!log.contains("finished unexpectedly"), daemon.report)
            let stoppedLine = log.split(separator: "\n").first { $0.hasSuffix("[TelegramBotAPI] Polling stopped") }
            #expect(stoppedLine?.contains("handled=2") == true, "\(stoppedLine ?? "no 'Polling stopped' line")")
            let expected = store == .sqlite
                ? ["http server", "coaching scheduler", "halal reminders", "broadcast sender", "bot"]
                : ["http server", "coaching scheduler", "halal reminders", "broadcast sender", "bot (PostgreSQL worker", "bulk budget election", "PostgreSQL pool"]
            let stopped = Self.services(in: log, saying: "Triggering graceful shutdown for service").filter { name in expected.contains { name.hasPrefix($0) } }
            #expect(stopped.count == expected.count && zip(stopped, expected).allSatisfy { $0.hasPrefix($1) }, "stopped in this order: \(stopped)")
            let finished = Self.services(in: log, saying: "Service finished").filter { name in expected.contains { name.hasPrefix($0) } }
            #expect(finished == stopped, "finished in this order: \(finished)")
            await emulator.stop()
        }

        /// The `sl-service` of each service-lifecycle line that ends with `message`, in the log's order.
        static func services(in log: String, saying message: String) -> [String] {
            log.split(separator: "\n").compactMap { line -> String? in
                guard line.hasSuffix("[ServiceLifecycle] \(message)"), let start = line.range(of: "sl-service="),
                      let end = line.range(of: " [ServiceLifecycle]", range: start.upperBound..<line.endIndex) else { return nil }
                return String(line[start.upperBound..<end.lowerBound])
            }
        }
    }
}
