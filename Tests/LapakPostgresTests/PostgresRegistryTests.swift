import Foundation
import LapakDatabase
import LapakPostgres
import LapakRegistry
import PostgresNIO
import TelegramBotAPI
import Testing

@Suite("The PostgreSQL/PostGIS store: migrations, the nearest search as SQLite answers it, the shared inbox")
struct PostgresRegistryTests {
    static let taxonomy: CategoryTaxonomy = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try! CategoryTaxonomy.load(from: root.appendingPathComponent("intents/categories.yml"))
    }()

    /// A reproducible registry across Bontang: kinds, halal marks, shops and carts, some suspended.
    static func sampleRegistry(count: Int, seed: UInt64) -> [Business] {
        var generator = SeededGenerator(seed: seed)
        let kinds = ["katering", "warung-makan", "bakso-mie", "kue-roti", "sayur-buah"]
        let box = GeoBox.bontang
        return (0..<count).map { index in
            let mode: OperatingMode = Double.random(in: 0..<1, using: &generator) < 0.2 ? .berkeliling : .menetap
            var business = Business(
                registryID: String(format: "BTG-%05d", index), name: "Usaha \(index)", category: kinds.randomElement(using: &generator)!,
                mode: mode,
                location: mode == .menetap ? GeoPoint(latitude: Double.random(in: box.south...box.north, using: &generator),
                                                       longitude: Double.random(in: box.west...box.east, using: &generator)) : nil,
                kelurahan: "Api-Api")
            business.halal = Bool.random(using: &generator)
            if Double.random(in: 0..<1, using: &generator) < 0.05 { business.status = .suspended }
            return business
        }
    }

    @Test("Migrations run once; two workers starting together apply each exactly once")
    func migrationsOnce() async throws {
        try await PostgresFixture.with { fixture in
            async let first = PostgresMigrations.migrate(fixture.store)
            async let second = PostgresMigrations.migrate(fixture.store)
            let applied = try await [first, second]
            #expect(applied.flatMap { $0 }.sorted() == PostgresMigrations.all.map(\.number))
            #expect(try await PostgresMigrations.migrate(fixture.store).isEmpty)
        }
    }

    @Test("Nearest with a kind, halal or any kind: the same businesses in the same order as the SQLite registry",
          arguments: [("katering", false), ("bakso-mie", true), (nil, false), ("sayur-buah", false)] as [(String?, Bool)])
    func sameAnswersAsSQLite(_ category: String?, _ halalOnly: Bool) async throws {
        let businesses = Self.sampleRegistry(count: 3000, seed: 16)
        let now = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01 08:00 WITA
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-pg-parity-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = Registry(database: try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path), taxonomy: Self.taxonomy,
                              timeZone: TimeZone(identifier: "Asia/Makassar")!)
        _ = try await sqlite.upsertAll(businesses, now: now)
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let postgres = PostgresRegistry(store: fixture.store)
            try await postgres.upsertAll(businesses, now: now)
            #expect(try await postgres.count() == 3000)
            // Every fourth cart checks in somewhere in the city today.
            var generator = SeededGenerator(seed: 7)
            for business in businesses where business.mode == .berkeliling && business.status == .active && Int.random(in: 0..<4, using: &generator) == 0 {
                let position = GeoPoint(latitude: Double.random(in: 0.05...0.2, using: &generator), longitude: Double.random(in: 117.42...117.52, using: &generator))
                let stored = try #require(try await sqlite.business(registryID: business.registryID))
                try await sqlite.checkIn(businessID: stored.id, at: position, now: now)
                try await postgres.checkIn(registryID: business.registryID, at: position, now: now, expiresAt: sqlite.endOfDay(after: now))
            }
            for _ in 0..<40 {
                let origin = GeoPoint(latitude: Double.random(in: 0.0...0.22, using: &generator), longitude: Double.random(in: 117.40...117.58, using: &generator))
                let query = NearestQuery(origin: origin, category: category, halalOnly: halalOnly, limit: 5, offset: Int.random(in: 0...1, using: &generator) * 5,
                                         maxDistance: 8_000)
                let expected = try await sqlite.nearest(query, at: now)
                let answered = try await postgres.nearest(query, at: now)
                #expect(answered.map(\.registryID) == expected.map(\.business.registryID), "at \(origin)")
                for (got, want) in zip(answered, expected) {
                    #expect(abs(got.distance - want.distance) < 0.05, "\(got.registryID): \(got.distance) m vs \(want.distance) m")
                }
            }
        }
    }

    @Test("A check-in that expired, or a suspended business, is never found")
    func expiredAndSuspended() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let postgres = PostgresRegistry(store: fixture.store)
            let here = GeoPoint(latitude: 0.1443, longitude: 117.4938)
            var cart = Business(registryID: "C1", name: "Bakso Gerobak", category: "bakso-mie", mode: .berkeliling, location: nil)
            var shop = Business(registryID: "S1", name: "Bakso Tetap", category: "bakso-mie", mode: .menetap, location: here)
            try await postgres.upsertAll([cart, shop])
            let morning = Date(timeIntervalSince1970: 1_764_547_200)
            try await postgres.checkIn(registryID: "C1", at: here, now: morning, expiresAt: morning.addingTimeInterval(3600))
            let query = NearestQuery(origin: here, category: "bakso-mie")
            // Both at the same spot: ties go by row id, the shop's being later than the cart's.
            #expect(try await postgres.nearest(query, at: morning).map(\.registryID) == ["C1", "S1"])
            #expect(try await postgres.nearest(query, at: morning.addingTimeInterval(7200)).map(\.registryID) == ["S1"])
            shop.status = .suspended
            cart.name = "Bakso Gerobak Pak Min"
            try await postgres.upsertAll([cart, shop])
            #expect(try await postgres.nearest(query, at: morning).map(\.registryID) == ["C1"])
        }
    }

    @Test("The shared inbox stores an update once: a second worker's copy is acknowledged and not handed out")
    func inboxOnce() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let inbox = PostgresUpdateInbox(store: fixture.store)
            let json = try JSONValue.parse(#"{"update_id": 900, "message": {"message_id": 1, "date": 1764547200, "chat": {"id": 5, "type": "private"}, "text": "halo"}}"#)
            let update = try Update(json: json)
            async let first = inbox.accept([update], nextOffset: 901)
            async let second = inbox.accept([update], nextOffset: 901)
            let fresh = try await [first, second]
            #expect(fresh.map(\.count).sorted() == [0, 1])
            #expect(try await inbox.unfinishedUpdates().map(\.updateID) == [900])
            try await inbox.markHandled(900)
            #expect(try await inbox.isHandled(900))
            #expect(try await inbox.unfinishedUpdates().isEmpty)
            #expect(try await inbox.nextOffset() == 901)
        }
    }
}

extension PostgresRegistryTests {
    @Test("Housekeeping forgets handled updates past their 48 h exactly, keeps unhandled ones, and finds them through the index, not by reading the inbox")
    func inboxPrune() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            // 20,000 handled updates, one every 17 s (almost four days), and three old ones never handled.
            let base: Int64 = 1_764_547_200
            try await fixture.store.client.query("""
                INSERT INTO update_inbox (update_id, chat_id, payload, received_at, handled_at)
                SELECT i, i % 50, '{}', \(base) + i * 17 - 1, \(base) + i * 17 FROM generate_series(1, 20000) AS i
                """)
            try await fixture.store.client.query("""
                INSERT INTO update_inbox (update_id, chat_id, payload, received_at) VALUES (30001, 7, '{}', \(base)), (30002, 7, '{}', \(base)), (30003, 8, '{}', \(base))
                """)
            try await fixture.store.client.query("ANALYZE update_inbox")
            // 48 h after the 100th update was handled: the 99 before it are past their retention.
            let now = Date(timeIntervalSince1970: TimeInterval(base + 48 * 3600 + 100 * 17))
            let forgetBefore = base + 100 * 17
            var plan: [String] = []
            for try await line in try await fixture.store.client.query("""
                EXPLAIN DELETE FROM update_inbox WHERE handled_at < \(forgetBefore)
                """).decode(String.self) { plan.append(line) }
            #expect(plan.joined(separator: "\n").contains("update_inbox_handled"), "\(plan.joined(separator: "\n"))")
            #expect(!plan.joined(separator: "\n").contains("Seq Scan"), "\(plan.joined(separator: "\n"))")

            let inbox = PostgresUpdateInbox(store: fixture.store, now: { now })
            #expect(try await inbox.forgetHandled() == 99)
            #expect(try await inbox.forgetHandled() == 0)
            var left: [Int64] = []
            for try await count in try await fixture.store.client.query("SELECT count(*) FROM update_inbox").decode(Int64.self) { left.append(count) }
            #expect(left == [20_000 - 99 + 3])
            var unhandled: [Int64] = []
            for try await id in try await fixture.store.client.query("SELECT update_id FROM update_inbox WHERE handled_at IS NULL ORDER BY update_id")
                .decode(Int64.self) { unhandled.append(id) }
            #expect(unhandled == [30001, 30002, 30003])
        }
    }
}

/// SplitMix64: the same "random" registry on every run and machine.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
