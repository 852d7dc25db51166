import BotAPIEmulator
import Foundation
import GRDB
import LapakBroadcast
import LapakDatabase
import LapakRegistry
import Logging
import Testing
import TelegramBotAPI

extension SubprocessTests {
    /// `lapak backup` and `lapak restore` against the real daemon (`lapak run` in its own process).
    @Suite("Backups: a consistent copy while the bot runs, and a restore only while it is stopped")
    struct BackupTests {
        @Test("A backup in the middle of a broadcast opens, passes the integrity check, and resuming from it reaches every remaining vendor exactly once")
        func backupDuringBroadcast() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let vendors = 150
            var configuration = EmulatorConfiguration()
            configuration.limits = .telegram
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-backup-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("lapak.sqlite").path
            let copy = folder.appendingPathComponent("lapak-2026-12-01.sqlite").path
            let recipients = (0..<vendors).map(BroadcastFixture.vendor) + [Vendors.dewi]

            let database = try AppDatabase.open(path: path)
            _ = try await Registry(database: database, taxonomy: CategoryTaxonomy(categories: []), timeZone: .gmt)
                .upsertAll(BroadcastFixture.businesses(vendors))
            let outbox = Outbox(database: database)
            let broadcast = try await outbox.start(Announcement(staffID: Vendors.dewi.id, staffChatID: Vendors.dewi.id, text: "Pelatihan halal gratis",
                                                                audience: Audience(), rsvpLabel: nil))

            let first = BotAPIEmulator(configuration: configuration, logger: Logger(label: "emulator"))
            try await first.start()
            await first.state.registerUsers(recipients)
            let environment = [
                "LAPAK_TELEGRAM_TOKEN": first.token, "LAPAK_TELEGRAM_API_URL": first.apiURL, "LAPAK_DATABASE_PATH": path,
                "LAPAK_TELEGRAM_POLL_TIMEOUT": "2", "LAPAK_STAFF_IDS": String(Vendors.dewi.id), "LAPAK_LOG_LEVEL": "warning", "LAPAK_WEB_PORT": "0",
            ]
            let running = try DaemonCrashTests.launch(environment)
            try await DaemonCrashTests.waitUntil(timeout: .seconds(30)) {
                await first.state.deliveries(containing: "Pelatihan halal gratis").count >= 40
            }

            let backup = try await CommandLineTests.run(["backup", copy], environment: ["LAPAK_DATABASE_PATH": path])
            #expect(backup.status == 0 && backup.output.contains("integrity ok"), "\(backup.output)")
            let refused = try await CommandLineTests.run(["restore", copy], environment: ["LAPAK_DATABASE_PATH": path])
            #expect(refused.status != 0 && refused.output.contains("another Lapak process is using this database"), "\(refused.output)")

            running.send(SIGTERM)
            try await running.waitForExit()
            #expect(running.termination == .exited(0), running.report)
            await first.stop()
            #expect(await first.state.deliveries(containing: "Pelatihan halal gratis").count < vendors)

            // What the copy says is still to send: rows pending, and rows in flight at the instant of the copy.
            var readOnly = Configuration()
            readOnly.readonly = true
            let states = try await DatabaseQueue(path: copy, configuration: readOnly).read { db in
                try Row.fetchAll(db, sql: "SELECT chat_id, state FROM outbox WHERE broadcast_id = ?", arguments: [broadcast.id])
                    .map { (chat: $0["chat_id"] as Int64, state: $0["state"] as String) }
            }
            #expect(states.count == vendors)
            let remaining = Set(states.filter { ["pending", "sending"].contains($0.state) }.map(\.chat))
            #expect(!remaining.isEmpty && remaining.count < vendors)

            let restore = try await CommandLineTests.run(["restore", copy], environment: ["LAPAK_DATABASE_PATH": path])
            #expect(restore.status == 0 && restore.output.contains("kept as"), "\(restore.output)")

            // Resumed from the copy against a fresh Telegram: exactly the remaining vendors, once each.
            let second = BotAPIEmulator(configuration: configuration, logger: Logger(label: "emulator"))
            try await second.start()
            await second.state.registerUsers(recipients)
            let resumed = try DaemonCrashTests.launch(environment.merging(["LAPAK_TELEGRAM_TOKEN": second.token,
                                                                            "LAPAK_TELEGRAM_API_URL": second.apiURL]) { _, new in new })
            let restored = Outbox(database: try AppDatabase.open(path: path))
            try await DaemonCrashTests.waitUntil(timeout: .seconds(60)) { (try? await restored.broadcast(broadcast.id))??.status == .done }
            resumed.send(SIGTERM)
            try await resumed.waitForExit()
            let deliveries = await second.state.deliveries(containing: "Pelatihan halal gratis")
            #expect(Set(deliveries.keys) == remaining)
            #expect(deliveries.values.allSatisfy { $0 == 1 })
            #expect(await second.state.floodViolations == 0)
            await second.stop()
        }

        @Test("A copy that is not a database, or a missing one, is refused before anything is replaced")
        func restoreChecksFirst() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-restore-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("lapak.sqlite").path
            _ = try AppDatabase.open(path: path)
            let garbage = folder.appendingPathComponent("not-a-backup.sqlite").path
            try Data("id,name\n1,Warung\n".utf8).write(to: URL(fileURLWithPath: garbage))

            let missing = try await CommandLineTests.run(["restore", folder.appendingPathComponent("nope.sqlite").path], environment: ["LAPAK_DATABASE_PATH": path])
            #expect(missing.status != 0 && missing.output.contains("no such file"), "\(missing.output)")
            let bad = try await CommandLineTests.run(["restore", garbage], environment: ["LAPAK_DATABASE_PATH": path])
            #expect(bad.status != 0 && bad.output.contains("restore refused"), "\(bad.output)")
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            #expect(!files.contains { $0.contains("before-restore") })
            let backupOfNothing = try await CommandLineTests.run(["backup", folder.appendingPathComponent("copy.sqlite").path],
                                                           environment: ["LAPAK_DATABASE_PATH": folder.appendingPathComponent("absent.sqlite").path])
            #expect(backupOfNothing.status != 0 && backupOfNothing.output.contains("no database at"), "\(backupOfNothing.output)")
        }

        @Test("One daemon per database: a second lock is refused while the first is held, and free again once released")
        func oneDaemonPerDatabase() throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-lock-\(UUID().uuidString).sqlite").path
            defer { try? FileManager.default.removeItem(atPath: path + ".lock") }
            var first: DatabaseLock? = try DatabaseLock(databasePath: path)
            #expect(throws: DatabaseLock.Held.self) { try DatabaseLock(databasePath: path) }
            #expect(DatabaseLock.isHeld(databasePath: path))
            withExtendedLifetime(first) {}
            first = nil
            #expect(!DatabaseLock.isHeld(databasePath: path))
        }
    }
}
