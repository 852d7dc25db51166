import Foundation
import GRDB
import LapakDatabase
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import Testing

/// The public website's directory read from PostgreSQL answers as it does from SQLite: the same businesses
/// in the same order, the same totals and distances, the same business pages and figures.
@Suite("The public directory on PostgreSQL: SQLite's answers, and a version that follows the registry")
struct DirectoryParityTests {
    typealias S = BusinessSamples

    /// The sample registry spread over the city's kelurahan, with names that sort differently with and without
    /// case folding (capitals, `_` and `[` between the ASCII capitals and small letters, accents, digits).
    static func businesses(count: Int, seed: UInt64) -> [Business] {
        var generator = SeededGenerator(seed: seed)
        let kelurahan = Kelurahan.bontang.map(\.name) + [""]
        let names = ["warung Sari", "WARUNG sari", "Warung_Sari", "Warung[Sari]", "Éclair Bu Ani", "eclair", "Zaitun", "zaitun", "a",
                     "Bakso 2", "bakso 10", "Bakso Mas Joko", "BAKSO MAS JOKO", "Katering Mbak Rina", "katering mbak rina"]
        return PostgresRegistryTests.sampleRegistry(count: count, seed: seed).map { business in
            var business = business
            business.kelurahan = kelurahan.randomElement(using: &generator)!
            if Double.random(in: 0..<1, using: &generator) < 0.3 { business.name = names.randomElement(using: &generator)! }
            return business
        }
    }

    /// Random questions of the site: every filter, boxes from a street to the whole area, nearest first or by
    /// name, pages up to and past the end, at times while check-ins run and after they ended.
    static func questions(_ count: Int, seed: UInt64) -> [(query: DirectoryQuery, at: Date)] {
        var generator = SeededGenerator(seed: seed)
        func pick<T>(_ values: [T]) -> T { values.randomElement(using: &generator)! }
        let region = GeoBox.bontang
        return (0..<count).map { _ in
            var query = DirectoryQuery(
                category: pick([nil, nil, nil, "katering", "warung-makan", "bakso-mie", "kue-roti", "sayur-buah", "no-such-kind"]),
                kelurahan: pick([nil, nil, nil, "Api-Api", "Bontang Kuala", "Lok Tuan", "", "Nowhere"]),
                mode: pick([nil, nil, .menetap, .berkeliling]), halalOnly: Double.random(in: 0..<1, using: &generator) < 0.25,
                sellingToday: Double.random(in: 0..<1, using: &generator) < 0.15,
                names: pick([NameQuery(), NameQuery(), NameQuery(), NameQuery([["joko"]]), NameQuery([["warung", "sari"]]),
                             NameQuery([["usaha 12"], ["katering mbak"]]), NameQuery([["clair"]]), NameQuery([["nothing like it"]])]),
                limit: pick([1, 5, 20, 20, 100, 500]),
                offset: pick([0, 0, 0, 20, 40, Int.random(in: 0...2_100, using: &generator), 5_000]))
            if Bool.random(using: &generator) {
                let size = pick([0.002, 0.01, 0.05, 0.3])
                let south = Double.random(in: (region.south - 0.05)...(region.north + 0.05 - size), using: &generator)
                let west = Double.random(in: (region.west - 0.05)...(region.east + 0.05 - size), using: &generator)
                query.box = GeoBox(south: south, north: south + size, west: west, east: west + size)
            }
            if Double.random(in: 0..<1, using: &generator) < 0.4 {
                query.origin = GeoPoint(latitude: Double.random(in: region.south...region.north, using: &generator),
                                        longitude: Double.random(in: region.west...region.east, using: &generator))
            }
            return (query, S.now.addingTimeInterval(pick([60, 60, 3 * 3600, 86_400 + 60])))
        }
    }

    /// Runs `body` off Swift's cooperative pool: both directories wait for their answers on the calling thread.
    static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    /// The same staged day in a SQLite registry and a PostgreSQL database, and each store's public directory.
    static func withBothDirectories(_ body: (Registry, PostgresPublicDirectory) async throws -> Void) async throws {
        let businesses = Self.businesses(count: 2_000, seed: 2027)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-directory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let sqlite = Registry(database: try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path),
                              taxonomy: PostgresRegistryTests.taxonomy, timeZone: StoreUnderTest.timeZone)
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let transactions = PostgresTransactions(store: fixture.store, taxonomy: PostgresRegistryTests.taxonomy, timeZone: StoreUnderTest.timeZone)
            // Both stores staged at once: GRDB's writer and the PostgreSQL session each wait on threads of their own.
            async let sqliteStaged: Void = sqlite.database.writer.write { db in
                try SearchParityTests.stageDay(sqlite.session(db), businesses: businesses, now: S.now)
            }
            try await transactions.write { session in try SearchParityTests.stageDay(session, businesses: businesses, now: S.now) }
            try await sqliteStaged
            let postgres = try PostgresPublicDirectory(url: fixture.url, taxonomy: PostgresRegistryTests.taxonomy, timeZone: StoreUnderTest.timeZone,
                                                       logger: Logger(label: "directory"))
            try await body(sqlite, postgres)
        }
    }

    @Test("350 random directory questions over 2,000 businesses after a day of check-ins: the same pages, order, totals and distances; the same business pages and figures")
    func sameDirectoryOnBothStores() async throws {
        let questions = Self.questions(350, seed: 11)
        try await Self.withBothDirectories { sqlite, postgres in
            async let fromSQLite = Self.blocking { try questions.map { try sqlite.directory($0.query, at: $0.at) } }
            let answers = [try await fromSQLite, try await Self.blocking { try questions.map { try postgres.directory($0.query, at: $0.at) } }]
            var listed = 0, pastTheEnd = 0, nearestFirst = 0, inBoxes = 0
            for (index, (expected, answered)) in zip(answers[0], answers[1]).enumerated() {
                let question = questions[index]
                listed += expected.entries.count
                if expected.entries.isEmpty && expected.total > 0 { pastTheEnd += 1 }
                if question.query.origin != nil && expected.entries.count > 1 { nearestFirst += 1 }
                if question.query.box != nil && !expected.entries.isEmpty { inBoxes += 1 }
                #expect(answered.total == expected.total, "question \(index): \(question.query)")
                func withoutDistance(_ entries: [DirectoryEntry]) -> [DirectoryEntry] { entries.map { var entry = $0; entry.distance = nil; return entry } }
                #expect(withoutDistance(answered.entries) == withoutDistance(expected.entries), "question \(index): \(question.query)")
                for (got, want) in zip(answered.entries, expected.entries) {
                    #expect((got.distance == nil) == (want.distance == nil))
                    if let got = got.distance, let want = want.distance { #expect(abs(got - want) <= 1e-6 * max(want, 1), "question \(index)") }
                }
            }
            // The questions do find things: pages nearest first and in boxes, and some past the end of their matches.
            #expect(listed > 3_000 && pastTheEnd > 5 && nearestFirst > 20 && inBoxes > 20,
                    "\(listed) listed, \(pastTheEnd) past the end, \(nearestFirst) nearest first, \(inBoxes) in boxes")

            // Every business page (suspended and unknown ones not found); the figures and freshness at three times.
            let ids = (0..<2_000).map { String(format: "BTG-%05d", $0) } + ["NOPE", "btg-00001"]
            let at = S.now.addingTimeInterval(60)
            let pages = try await Self.blocking {
                (try ids.map { try sqlite.publicBusiness(registryID: $0, at: at) }, try ids.map { try postgres.publicBusiness(registryID: $0, at: at) })
            }
            #expect(pages.1 == pages.0)
            #expect(pages.0.compactMap { $0 }.count > 1_800 && pages.0.compactMap { $0 }.count < 2_000, "some are suspended")
            for at in [at, S.now.addingTimeInterval(5 * 3600), S.now.addingTimeInterval(86_400)] {
                let figures = try await Self.blocking { (try sqlite.publicFigures(at: at), try postgres.publicFigures(at: at)) }
                #expect(figures.1 == figures.0)
                #expect(figures.0.perKelurahan.count == Kelurahan.bontang.count + 1 && figures.0.halalCertified > 0)
                let freshness = try await Self.blocking { (try sqlite.freshness(at: at), try postgres.freshness(at: at)) }
                #expect(freshness.1.nextExpiry == freshness.0.nextExpiry)
            }
            #expect(try await Self.blocking { try sqlite.publicFigures(at: at).sellingToday } > 50)
        }
    }
}
