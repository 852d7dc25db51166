import Foundation
import LapakBot
import LapakPostgres
import LapakRegistry
@testable import LapakWeb
import Logging
import Prometheus
import Synchronization
import TelegramBotAPI
import Testing

/// The agency's website served by a worker on PostgreSQL, over real HTTP: the whole site from the shared
/// database, and a change made there shown in the very next answer.
@Suite("The public site on PostgreSQL")
struct PostgresSiteTests {
    @Test("A PostgreSQL worker serves /, /usaha, /statistik and the API; a check-in or suspension in the database shows in the next answer")
    func workerServesTheSite() async throws {
        let database = try await WorkerDatabase.make()
        defer { database.drop() }
        var settings = try await LapakConfiguration.load(environment: [
            "LAPAK_TELEGRAM_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", "LAPAK_TELEGRAM_API_URL": "http://127.0.0.1:9",
            "LAPAK_WEB_PORT": "0", "LAPAK_WEB_HOST": "127.0.0.1",
        ])
        settings.databaseURL = database.url
        let logger = Logger(label: "site")
        // `lapak run` with database.url: the site over the shared database (migrating it), mounted on the worker's server.
        let site = try await PublicSite.standalone(configuration: settings, logger: logger)
        #expect(site.registry is PostgresPublicDirectory)
        let now = Date()
        let application = try LapakPostgresApplication(configuration: settings, logger: logger)
        let port = Mutex<Int?>(nil)
        let server = OperationsServer(forWorker: application, registry: PrometheusCollectorRegistry(), site: site, logger: logger,
                                      onListening: { bound in port.withLock { $0 = bound } })
        let transactions = PostgresTransactions(store: application.store, taxonomy: site.registry.taxonomy, timeZone: settings.timeZone)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask { try await application.store.run() }
            _ = try await transactions.write { session in try session.upsertAll(PublicSiteTests.businesses, now: now, progress: { _, _ in }) }
            try await BotSearchTests.waitUntil { port.withLock { $0 } != nil }
            let bound = try #require(port.withLock { $0 })
            func get(_ path: String) async throws -> (status: Int, body: String) {
                let answer = try await PublicSiteTests.get(path, port: bound)
                return (answer.status, answer.body)
            }
            /// Waits until the site's snapshot shows the database as it is now, then returns `path`'s answer from it.
            func fromSnapshot(_ path: String) async throws -> String {
                let version = await site.workers.run { try? site.registry.version() }
                try await BotSearchTests.waitUntil {
                    if let version, site.snapshots.current?.freshness.version == version { return true }
                    _ = try? await get(path)  // a request sees the change and starts a snapshot
                    return false
                }
                return try await get(path).body
            }

            let home = try await get("/")
            #expect(home.status == 200 && home.body.contains("Katering Bu Ani") && !home.body.contains("Katering Ditangguhkan"))
            #expect(try await get("/?q=katering").body.contains("Dapur Pak Budi"))
            let page = try await get("/usaha/K1")
            #expect(page.status == 200 && page.body.contains("Jl. Ahmad Yani No. 3") && !page.body.contains("777000111"))
            #expect(try await get("/usaha/S1").status == 404)
            let figures = try await get("/statistik")
            #expect(figures.status == 200 && figures.body.contains("Bontang Kuala"))

            let box = "/api/businesses?bbox=117.4880,0.1290,117.4920,0.1320"
            let before = try await fromSnapshot(box)
            #expect(before.contains("Katering Bu Ani") && !before.contains("Bakso Mas Joko"))

            // A mobile vendor checks in inside the box, through the bot's store: the very next answer has it.
            _ = try await transactions.write { session in
                let vendor = try #require(try session.business(registryID: "B1"))
                return try session.checkIn(businessID: vendor.id, at: GeoPoint(latitude: 0.1305, longitude: 117.4895), accuracy: nil,
                                           source: .location, liveUntil: nil, liveMessage: nil, now: now).id
            }
            let checkedIn = try await get(box).body
            #expect(checkedIn.contains("Bakso Mas Joko"))
            #expect(try await fromSnapshot(box) == checkedIn, "the snapshot's answer is the database's")
            #expect(try await get("/?hari_ini=1").body.contains("Bakso Mas Joko"))

            // A suspension: gone from the next answer and page.
            try await transactions.write { session in
                try session.setStatus(.suspended, ofBusiness: try #require(try session.business(registryID: "K1")).id, at: now)
            }
            #expect(!(try await get(box).body.contains("Katering Bu Ani")))
            #expect(try await get("/usaha/K1").status == 404)
            group.cancelAll()
        }
    }
}
