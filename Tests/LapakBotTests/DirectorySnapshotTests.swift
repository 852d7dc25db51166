import Foundation
import LapakBot
import LapakDatabase
import LapakLanguage
import LapakRegistry
@testable import LapakWeb
import Logging
import Prometheus
import Synchronization
import TelegramBotAPI
import Testing

/// The site answers bbox queries and search pages from an in-memory snapshot of the directory; these tests
/// hold it to the SQLite query it replaces, and to the registry's changes showing at once.
@Suite("The site's directory snapshot: the same answers as SQLite, and changes shown at once")
struct DirectorySnapshotTests {
    static let now = PublicSiteTests.now

    /// A site over a fresh database holding `businesses`.
    static func makeSite(_ businesses: [Business], in folder: URL) async throws -> (PublicSite, Registry) {
        let resources = try #require(ResourceLocator.locate())
        let taxonomy = try CategoryTaxonomy.load(from: resources.intentsDirectory.appendingPathComponent("categories.yml"))
        let registry = Registry(database: try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path), taxonomy: taxonomy,
                                timeZone: TimeZone(identifier: "Asia/Makassar")!)
        _ = try await registry.upsertAll(businesses, now: now.addingTimeInterval(-3600))
        let site = try await PublicSite(
            registry: registry, matcher: IntentMatcher.load(from: resources.intentsDirectory, taxonomy: taxonomy),
            texts: SiteTexts.load(from: resources.intentsDirectory), webDirectory: resources.webDirectory,
            leafletPath: "/usr/share/javascript/leaflet", settings: .init(), now: { now }, logger: Logger(label: "site"))
        return (site, registry)
    }

    @Test("Random boxes, filters, names, origins and pages: the same entries, order, distances and totals as Registry.directory")
    func sameAsSQLite() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-snapshot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (site, registry) = try await Self.makeSite(SampleRegistry(count: 3_000, seed: 11).businesses(), in: folder)
        // Vendors out today (one on a live location), one whose check-in ended yesterday, and a suspended shop.
        let vendors = try registry.directory(DirectoryQuery(mode: .berkeliling, limit: 80), at: Self.now).entries
        var random = SplitMix64(seed: 14)
        for (number, vendor) in vendors.enumerated() {
            let place = GeoPoint(latitude: 0.08 + random.unit() * 0.1, longitude: 117.45 + random.unit() * 0.05)
            let when = number % 5 == 0 ? Self.now.addingTimeInterval(-2 * 86_400) : Self.now.addingTimeInterval(-600)
            try await registry.checkIn(businessID: vendor.business.id, at: place, source: number % 7 == 0 ? .live : .location,
                                       liveUntil: number % 7 == 0 ? Self.now.addingTimeInterval(3_600) : nil, now: when)
        }
        let shop = try #require(try registry.directory(DirectoryQuery(mode: .menetap, limit: 1), at: Self.now).entries.first)
        try await registry.setStatus(.suspended, ofBusiness: shop.business.id, at: Self.now)

        let snapshot = try site.makeSnapshot(at: Self.now)
        let kinds = registry.taxonomy.categories.map(\.slug) + ["no-such-kind"]
        let names = [NameQuery([["bakso"]]), NameQuery([["mas", "joko"]]), NameQuery([["katering"], ["laundry"]]), NameQuery([["zzzqqq"]])]
        for _ in 0..<400 {
            var query = DirectoryQuery(limit: [1, 20, 100, 500][Int(random.next() % 4)], offset: [0, 0, 7, 40, 5_000][Int(random.next() % 5)])
            if random.unit() < 0.7 {
                let lat = 0.06 + random.unit() * 0.13, lon = 117.44 + random.unit() * 0.07, half = [0.0045, 0.001, 0.03][Int(random.next() % 3)]
                query.box = GeoBox(south: lat - half, north: lat + half, west: lon - half, east: lon + half)
            }
            if random.unit() < 0.3 { query.category = kinds[Int(random.next() % UInt64(kinds.count))] }
            if random.unit() < 0.3 { query.names = names[Int(random.next() % UInt64(names.count))] }
            if random.unit() < 0.2 { query.kelurahan = Kelurahan.bontang[Int(random.next() % UInt64(Kelurahan.bontang.count))].name }
            if random.unit() < 0.2 { query.mode = random.unit() < 0.5 ? .menetap : .berkeliling }
            query.halalOnly = random.unit() < 0.2
            query.sellingToday = random.unit() < 0.15
            if random.unit() < 0.25 { query.origin = GeoPoint(latitude: 0.06 + random.unit() * 0.13, longitude: 117.44 + random.unit() * 0.07) }
            let expected = try registry.directory(query, at: Self.now)
            let (page, total) = snapshot.matches(query, named: try site.registry.readNames { try $0.businessIDs(matching: query.names) })
            #expect(total == expected.total, "\(query)")
            #expect(page.map { snapshot.entry($0, for: query) } == expected.entries, "\(query)")
        }
    }

    @Test("A change shows in the very next API answer, and the snapshot made after it answers the same")
    func changesShowAtOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-snapshot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (site, registry) = try await Self.makeSite(PublicSiteTests.businesses, in: folder)
        let port = Mutex<Int?>(nil)
        let server = OperationsServer(configuration: .init(port: 0), registry: PrometheusCollectorRegistry(), readiness: Readiness([]),
                                      site: site, logger: Logger(label: "site"), onListening: { bound in port.withLock { $0 = bound } })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            try await BotSearchTests.waitUntil { port.withLock { $0 } != nil }
            let bound = try #require(port.withLock { $0 })
            /// Waits until the snapshot shows the registry as it is now, then returns the box's answer.
            func fromSnapshot(_ path: String) async throws -> String {
                let version = try registry.version()
                try await BotSearchTests.waitUntil {
                    if site.snapshots.current?.freshness.version == version { return true }
                    _ = try? await PublicSiteTests.get(path, port: bound)  // a request sees the change and starts a snapshot
                    return false
                }
                return try await PublicSiteTests.get(path, port: bound).body
            }
            let box = "/api/businesses?bbox=117.4880,0.1290,117.4920,0.1320"
            let before = try await fromSnapshot(box)
            #expect(before.contains("Katering Bu Ani") && !before.contains("Bakso Mas Joko"))

            // A mobile vendor checks in inside the box: the next answer has it, before any new snapshot.
            let vendor = try #require(try await registry.business(registryID: "B1"))
            try await registry.checkIn(businessID: vendor.id, at: GeoPoint(latitude: 0.1305, longitude: 117.4895), now: Self.now.addingTimeInterval(-600))
            let checkedIn = try await PublicSiteTests.get(box, port: bound).body
            #expect(checkedIn.contains("Bakso Mas Joko"))
            #expect(try await fromSnapshot(box) == checkedIn, "the snapshot's answer is the database's")
            #expect(try await PublicSiteTests.get("/?hari_ini=1", port: bound).body.contains("Bakso Mas Joko"))

            // A suspension: gone from the next answer and page.
            let ani = try #require(try await registry.business(registryID: "K1"))
            try await registry.setStatus(.suspended, ofBusiness: ani.id, at: Self.now)
            let suspended = try await PublicSiteTests.get(box, port: bound).body
            #expect(!suspended.contains("Katering Bu Ani"))
            #expect(!(try await PublicSiteTests.get("/?q=katering", port: bound).body.contains("Katering Bu Ani")))
            #expect(try await fromSnapshot(box) == suspended)
            group.cancelAll()
        }
    }
}
