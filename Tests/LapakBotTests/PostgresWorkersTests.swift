import BotAPIEmulator
import Foundation
import LapakBroadcast
import LapakPostgres
import LapakRegistry
import Logging
import PostgresNIO
import TelegramBotAPI
import Testing

extension SubprocessTests {
    /// Three `lapak run` workers in webhook mode sharing one PostgreSQL, behind the emulator's round-robin
    /// "load balancer", with a crowd and a broadcast at once, and the bulk leader killed with SIGKILL.
    @Suite("Several workers on PostgreSQL: one killed, nothing lost, nothing twice, order kept")
    struct PostgresWorkersTests {
        static let secret = "lapak-workers-secret_7"
        static let vendors = 2_000
        static let citizens = (0..<200).map { User(id: 9_000 + Int64($0), firstName: "Warga \($0)", languageCode: "id") }
        static let staff = User(id: 4_242, firstName: "Dewi", languageCode: "id")

        @Test("3 workers, 200 citizens and a 2,000-vendor broadcast at once, the leader killed half-way: every citizen answered once and in order, every vendor reached, the budget kept, the broadcast finished by another worker")
        func threeWorkersOneKilled() async throws {
            try #require(FileManager.default.isExecutableFile(atPath: CommandLineTests.binary.path), "build lapak first: swift build")
            let database = try await WorkerDatabase.make()
            defer { database.drop() }
            let logger = Logger(label: "workers-test")
            _ = try await PostgresMigrations.migrate(url: database.url, logger: logger)

            var configuration = EmulatorConfiguration()
            configuration.limits = .telegram
            let emulator = BotAPIEmulator(configuration: configuration, logger: Logger(label: "emulator"))
            try await emulator.start()
            await emulator.state.registerUsers((0..<Self.vendors).map(BroadcastFixture.vendor) + Self.citizens + [Self.staff])

            // The registry (the search's businesses and 2,000 vendors linked to Telegram) and the announcement.
            let store = try PostgresStore(url: database.url, logger: logger)
            let pool = Task { await store.client.run() }
            defer { pool.cancel() }
            let vendorBusinesses = BroadcastFixture.businesses(Self.vendors)
            try await PostgresRegistry(store: store).upsertAll(BotSearchTests.registry + vendorBusinesses)
            try await store.client.query("""
                UPDATE business SET owner_telegram_id = 100000 + substr(registry_id, 3)::bigint WHERE registry_id LIKE 'V-%'
                """, logger: logger)
            let broadcasts = PostgresBroadcastStore(store: store)
            let broadcast = try await broadcasts.start(
                Announcement(staffID: Self.staff.id, staffChatID: Self.staff.id, text: "Pelatihan sertifikasi halal gratis", audience: Audience(), rsvpLabel: nil),
                recipients: (0..<Self.vendors).map { BroadcastFixture.vendor($0).id })

            let ports = try (0..<3).map { _ in try FreePort.pick() }
            let environment = [
                "LAPAK_TELEGRAM_TOKEN": emulator.token, "LAPAK_TELEGRAM_API_URL": emulator.apiURL, "LAPAK_DATABASE_URL": database.url,
                "LAPAK_TELEGRAM_MODE": "webhook", "LAPAK_TELEGRAM_WEBHOOK_URL": "http://127.0.0.1/telegram/webhook",
                "LAPAK_TELEGRAM_WEBHOOK_SECRET": Self.secret, "LAPAK_TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "24",
                "LAPAK_STAFF_IDS": String(Self.staff.id), "LAPAK_LOG_LEVEL": "debug", "LAPAK_REPLIES_LEASE": "10",
            ]
            func launch(_ index: Int) throws -> ChildProcess {
                // Logged at debug: a worker that does not stop shows which service the group waits for.
                try ChildProcess(CommandLineTests.binary.path, ["run"],
                                 environment: ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LAPAK_WEB_PORT": String(ports[index])]
                                     .merging(environment) { _, new in new },
                                 log: true)
            }
            func announcementDeliveries() async -> [Int64: Int] { await emulator.state.deliveries(containing: "Pelatihan sertifikasi halal gratis") }

            // The first worker starts alone, so it is the bulk leader when the broadcast begins.
            await emulator.state.setWebhookBackends(ports.map { "http://127.0.0.1:\($0)/telegram/webhook" })
            let first = try launch(0)
            try await DaemonCrashTests.waitUntil(timeout: .seconds(60)) { await announcementDeliveries().count >= 30 }
            let others = try [launch(1), launch(2)]
            try await DaemonCrashTests.waitUntil(timeout: .seconds(60)) {
                await emulator.state.requests.filter { $0.method == "setWebhook" && $0.status == 200 }.count >= 3
            }

            // 200 citizens at once: a question, then a location each (400 updates, round robin over the workers).
            let here = BotSearchTests.here
            for citizen in Self.citizens { await emulator.state.sendText(from: citizen, "katering terdekat") }
            for citizen in Self.citizens { await emulator.state.sendLocation(from: citizen, latitude: here.latitude, longitude: here.longitude) }

            try await DaemonCrashTests.waitUntil(timeout: .seconds(120)) { await announcementDeliveries().count >= Self.vendors / 2 }
            first.send(SIGKILL)
            try await first.waitForExit()
            #expect(first.termination == .signalled(SIGKILL))
            let reachedAtKill = await announcementDeliveries().count
            let killedAt = ContinuousClock.now

            // Another worker takes the lead and finishes; every citizen is answered (the dead worker's replies
            // after their lease, its acknowledged but unhandled updates by the housekeeping).
            try await DaemonCrashTests.waitUntil(timeout: .seconds(180)) {
                await announcementDeliveries().count == Self.vendors
            }
            let resumedAfter = ContinuousClock.now - killedAt
            try await DaemonCrashTests.waitUntil(timeout: .seconds(120)) {
                for citizen in Self.citizens where !(await emulator.state.botMessages(chatID: citizen.id).contains { $0.text?.contains("Katering terdekat") == true }) {
                    return false
                }
                return true
            }
            try await DaemonCrashTests.waitUntil(timeout: .seconds(30)) {
                await emulator.state.botMessages(chatID: Self.staff.id).contains { $0.text?.contains("Pengumuman #\(broadcast.id) selesai") == true }
            }
            for worker in others { worker.send(SIGTERM) }
            for worker in others {
                do {
                    try await worker.waitForExit()
                } catch {
                    worker.send(SIGKILL)
                    throw error  // its description quotes the worker's last lines
                }
                #expect(worker.termination == .exited(0), worker.report)
            }

            // Every vendor reached; only sends in flight at the kill repeated, and the report counts them.
            let deliveries = await announcementDeliveries()
            let record = try #require(try await broadcasts.broadcast(broadcast.id))
            #expect(deliveries.count == Self.vendors)
            #expect(deliveries.values.filter { $0 > 1 }.count <= record.repeatedAfterCrash)
            #expect(record.repeatedAfterCrash <= 8)
            #expect(record.status == .done)
            #expect(reachedAtKill < Self.vendors, "the kill came too late to test a hand-over")
            #expect(resumedAfter < .seconds(120))
            // The bulk budget: no request inside a retry_after window.
            let requests = await emulator.state.requests
            let violations = requests.filter(\.violatedRetryAfter)
            #expect(violations.isEmpty, "inside a retry_after window: \(Self.describe(violations, after: requests))")

            // Every citizen: the question answered before the results (the chat's order), each once, except a
            // request in flight at the kill (sent, its outcome not recorded), at most one per chat.
            var repeated = 0
            for citizen in Self.citizens {
                let texts = await emulator.state.botMessages(chatID: citizen.id).compactMap(\.text)
                let asked = try #require(texts.firstIndex { $0.contains("Bagikan lokasi") }, "\(citizen.firstName) was not asked for a location")
                let answered = try #require(texts.firstIndex { $0.contains("Katering terdekat") }, "\(citizen.firstName) got no results")
                #expect(asked < answered, "\(citizen.firstName)'s answers came out of order")
                #expect(!texts.contains { $0.contains("ada gangguan") }, "\(citizen.firstName) was told to try again")
                repeated += texts.count - 3  // the question's answer, "Lokasi diterima", the results
            }
            #expect(repeated >= 0 && repeated <= 24, "\(repeated) messages repeated")
            await emulator.stop()
        }

        /// Each request (up to five) with the 429s answered in the two seconds before it: what was held, and by
        /// which kind of message (a reply, bulk, an edit).
        static func describe(_ violations: [EmulatorRequestRecord], after requests: [EmulatorRequestRecord]) -> String {
            func line(_ request: EmulatorRequestRecord) -> String {
                "\(request.method) chat \(request.chatID.map(String.init) ?? "-")\(request.bulk ? " bulk" : "") at \(request.at)"
            }
            return violations.prefix(5).map { violation in
                let before = requests.filter { $0.status == 429 && $0.at <= violation.at && violation.at - $0.at < .seconds(2) }
                return line(violation) + "; 429s before it: " + before.suffix(5).map(line).joined(separator: ", ")
            }.joined(separator: " | ")
        }
    }
}
