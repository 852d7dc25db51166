import BotAPIEmulator
import Foundation
import GRDB
import LapakBot
import LapakDatabase
import LapakRegistry
import Logging
import Testing
import TelegramBotAPI

extension SubprocessTests {
    /// The real daemon reminding an owner of an expiring halal certificate, killed with SIGKILL and restarted.
    @Suite("The halal expiry reminder survives kill -9")
    struct HalalReminderCrashTests {
        @Test("A certificate expiring in 30 days: the daemon reminds the owner; after kill -9 and a restart, not again")
        func reminderOnceAcrossKillNine() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: Logger(label: "emulator"))
            try await emulator.start()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-halal-kill9-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("lapak.sqlite").path

            // An issued certificate whose last day is 30 days from now, as staff would have left it.
            let zone = TimeZone(identifier: "Asia/Makassar")!
            let registry = Registry(database: try AppDatabase.open(path: path), taxonomy: CategoryTaxonomy(categories: []), timeZone: zone)
            let owner = Vendors.rina
            _ = try await registry.upsertAll([Business(registryID: "K-1", name: "Kue Ibu Rina", category: "kue", mode: .menetap, location: nil,
                                                       ownerTelegramID: owner.id)])
            let business = try #require(try await registry.business(registryID: "K-1"))
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            let lastDay = calendar.dateComponents([.year, .month, .day], from: Date().addingTimeInterval(30 * 86_400))
            try await registry.database.writer.write { db in
                let session = registry.session(db)
                guard case .submitted(let application) = try session.applyForHalal(business, applicant: owner.id,
                                                                                   criteria: HalalCriteria(minMonthsRegistered: 0), now: Date()) else {
                    throw CancellationError()
                }
                _ = try session.acceptHalal(application.id, quota: 15, now: Date())
                _ = try session.moveHalal(application.id, from: .accepted, to: .auditScheduled, now: Date())
                _ = try session.issueHalal(application.id, number: "SH-KILL-9", expiresOn: lastDay, now: Date())
            }
            await emulator.state.registerUsers([owner, Vendors.dewi])
            let environment = [
                "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL, "LAPAK_DATABASE_PATH": path,
                "LAPAK_TELEGRAM_POLL_TIMEOUT": "1", "LAPAK_STAFF_IDS": String(Vendors.dewi.id), "LAPAK_LOG_LEVEL": "warning", "LAPAK_WEB_PORT": "0",
            ]

            let first = try DaemonCrashTests.launch(environment)
            // Killed once the reminder is recorded as delivered. Killed between Telegram's answer and that record,
            // the daemon would send it again after the restart: a send in flight is the one repeat an outbox
            // allows (Telegram takes no idempotency key), as for broadcasts, and a test run here once hit that window.
            try await DaemonCrashTests.waitUntil(timeout: .seconds(30)) {
                let sent = try? await registry.database.writer.read { db in
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM reply_outbox WHERE chat_id = ? AND state = 'sent' AND parameters LIKE '%SH-KILL-9%'",
                                     arguments: [owner.id]) ?? 0
                }
                return (sent ?? 0) > 0
            }
            first.send(SIGKILL)
            try await first.waitForExit()
            #expect(first.termination == .signalled(SIGKILL))

            // The restarted daemon answers staff (so it is polling, past its reminder pass) and sends no second reminder.
            let second = try DaemonCrashTests.launch(environment)
            await emulator.state.sendText(from: Vendors.dewi, "/halal")
            try await DaemonCrashTests.waitUntil(timeout: .seconds(30)) { await !emulator.state.botMessages(chatID: Vendors.dewi.id).isEmpty }
            try await Task.sleep(for: .seconds(2))
            second.send(SIGTERM)
            try await second.waitForExit()
            #expect(second.termination == .exited(0), second.report)

            #expect(await emulator.state.deliveries(containing: "SH-KILL-9") == [owner.id: 1])
            let reminder = await emulator.state.botMessages(chatID: owner.id).last?.text ?? ""
            #expect(reminder.contains("⏰ Sertifikat halal Kue Ibu Rina") && reminder.contains(String(format: "%02d/%02d/%04d", lastDay.day!, lastDay.month!, lastDay.year!)))
            await emulator.stop()
        }
    }
}
