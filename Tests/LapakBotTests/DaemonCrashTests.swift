import BotAPIEmulator
import Foundation
import LapakBot
import LapakBroadcast
import LapakDatabase
import LapakRegistry
import Logging
import Testing
import TelegramBotAPI

extension SubprocessTests {
    /// The real daemon (`lapak run` in its own process) killed with SIGKILL in the middle of a broadcast.
    @Suite("The daemon survives kill -9 in the middle of a broadcast")
    struct DaemonCrashTests {
        @Test("kill -9 midway, restart: every vendor gets the announcement, only sends in flight can repeat, and the report says how many")
        func killNineAndResume() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let vendors = 150
            var configuration = EmulatorConfiguration()
            configuration.limits = .telegram
            let emulator = BotAPIEmulator(configuration: configuration, logger: Logger(label: "emulator"))
            try await emulator.start()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-kill9-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("lapak.sqlite").path

            // The registry and the announcement as staff would have left them, written by this process.
            let database = try AppDatabase.open(path: path)
            let registry = Registry(database: database, taxonomy: CategoryTaxonomy(categories: []), timeZone: .gmt)
            _ = try await registry.upsertAll(BroadcastFixture.businesses(vendors))
            await emulator.state.registerUsers((0..<vendors).map(BroadcastFixture.vendor) + [Vendors.dewi])
            let outbox = Outbox(database: database)
            let broadcast = try await outbox.start(Announcement(staffID: Vendors.dewi.id, staffChatID: Vendors.dewi.id, text: "Rapat akbar UMKM",
                                                                audience: Audience(), rsvpLabel: nil))
            let environment = [
                "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL, "LAPAK_DATABASE_PATH": path,
                "LAPAK_TELEGRAM_POLL_TIMEOUT": "2", "LAPAK_STAFF_IDS": String(Vendors.dewi.id), "LAPAK_LOG_LEVEL": "warning", "LAPAK_WEB_PORT": "0",
            ]

            let first = try Self.launch(environment)
            try await Self.waitUntil(timeout: .seconds(30)) { await emulator.state.deliveries(containing: "Rapat akbar UMKM").count >= 50 }
            first.send(SIGKILL)
            try await first.waitForExit()
            #expect(first.termination == .signalled(SIGKILL))
            let beforeRestart = await emulator.state.deliveries(containing: "Rapat akbar UMKM").count
            #expect(beforeRestart < vendors)

            let second = try Self.launch(environment)
            try await Self.waitUntil(timeout: .seconds(60)) { (try? await outbox.broadcast(broadcast.id))??.status == .done }
            try await Self.waitUntil(timeout: .seconds(10)) {
                await emulator.state.botMessages(chatID: Vendors.dewi.id).contains { $0.text?.contains("Pengumuman #1 selesai") == true }
            }
            second.send(SIGTERM)
            try await second.waitForExit()
            #expect(second.termination == .exited(0), second.report)

            let deliveries = await emulator.state.deliveries(containing: "Rapat akbar UMKM")
            let record = try #require(try await outbox.broadcast(broadcast.id))
            #expect(deliveries.count == vendors)  // nothing lost
            #expect(deliveries.values.filter { $0 > 1 }.count <= record.repeatedAfterCrash)  // only in-flight sends repeated
            #expect(record.repeatedAfterCrash <= 8)  // at most the requests in flight
            #expect(await emulator.state.floodViolations == 0)
            let report = await emulator.state.botMessages(chatID: Vendors.dewi.id).last?.text ?? ""
            #expect(report.contains("terkirim \(vendors) dari \(vendors)"))
            if record.repeatedAfterCrash > 0 { #expect(report.contains("dikirim ulang")) }
            await emulator.stop()
        }

        @Test("kill -9 in the middle of a crowd of citizens, restart: everyone gets the katering answer; only requests in flight repeat")
        func killNineDuringACrowd() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let emulator = BotAPIEmulator(configuration: EmulatorConfiguration(), logger: Logger(label: "emulator"))
            try await emulator.start()
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-kill9-crowd-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("lapak.sqlite").path
            let database = try AppDatabase.open(path: path)
            let taxonomy = try CategoryTaxonomy.load(from: ResourceLocator.locate()!.intentsDirectory.appendingPathComponent("categories.yml"))
            _ = try await Registry(database: database, taxonomy: taxonomy, timeZone: .gmt).upsertAll(BotSearchTests.registry)
            let environment = [
                "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL, "LAPAK_DATABASE_PATH": path,
                "LAPAK_TELEGRAM_POLL_TIMEOUT": "2", "LAPAK_LOG_LEVEL": "warning", "LAPAK_WEB_PORT": "0",
            ]
            let citizens = (0..<60).map { User(id: 8_000 + Int64($0), firstName: "Warga \($0)", languageCode: "id") }
            let here = BotSearchTests.here

            let first = try Self.launch(environment)
            for citizen in citizens { await emulator.state.sendText(from: citizen, "katering terdekat") }
            for citizen in citizens { await emulator.state.sendLocation(from: citizen, latitude: here.latitude, longitude: here.longitude) }
            try await Self.waitUntil(timeout: .seconds(30)) { await emulator.state.deliveries(containing: "Bagikan lokasi").count >= 10 }
            first.send(SIGKILL)
            try await first.waitForExit()
            #expect(first.termination == .signalled(SIGKILL))
            let answeredBeforeRestart = await emulator.state.deliveries(containing: "Katering terdekat").count

            let second = try Self.launch(environment)
            try await Self.waitUntil(timeout: .seconds(60)) { await emulator.state.deliveries(containing: "Katering terdekat").count == citizens.count }
            try await Task.sleep(for: .milliseconds(500))
            second.send(SIGTERM)
            try await second.waitForExit()
            #expect(second.termination == .exited(0), second.report)

            #expect(answeredBeforeRestart < citizens.count, "the kill came too late to test anything")
            var repeated = 0
            for citizen in citizens {
                let texts = await emulator.state.botMessages(chatID: citizen.id).compactMap(\.text)
                #expect(texts.contains { $0.contains("Katering terdekat") }, "\(citizen.firstName) got no answer")
                #expect(!texts.contains { $0.contains("Usaha terdekat") }, "\(citizen.firstName) got a search for any kind")
                repeated += texts.count - 3  // the question's answer, "Lokasi diterima", the results
            }
            // Only a request in flight at the kill (sent, its outcome not yet recorded) can go out again:
            // at most one per chat being answered at once (handlers.concurrency, 16).
            #expect(repeated >= 0 && repeated <= 16, "\(repeated) messages repeated")
            await emulator.stop()
        }

        /// Starts `lapak run` from `/` with `environment` (and a PATH and HOME), its output dropped.
        static func launch(_ environment: [String: String]) throws -> ChildProcess {
            try ChildProcess(CommandLineTests.binary.path, ["run"],
                             environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()].merging(environment) { _, new in new },
                             log: true)
        }

        static func waitUntil(timeout: Duration, _ condition: () async -> Bool) async throws {
            let deadline = ContinuousClock.now + timeout
            while !(await condition()) {
                guard ContinuousClock.now < deadline else { throw FixtureTimeout() }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}
