import Foundation
import LapakPostgres
import LapakRegistry
import Logging
import PostgresNIO
import Testing

@Suite("CheckInStore on both stores: carts found where they check in, until they stop")
struct CheckInStoreTests {
    typealias S = BusinessSamples

    @Test("The search sees a check-in, a live move, a check-out, a suspension and a closed-today at once", arguments: StoreKind.allCases)
    func searchFollowsEveryWrite(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                let cart = try registry.upsert(S.cart("C1", "Bakso Gerobak"), at: S.now).0
                let live = try registry.upsert(S.cart("C2", "Bakso Keliling"), at: S.now).0
                let shop = try registry.upsert(S.shop("S1", "Bakso Tetap", at: 300), at: S.now).0
                let other = try registry.upsert(S.shop("S2", "Bakso Lain", at: 400), at: S.now).0
                #expect(try S.found(registry) == ["S1", "S2"])

                let checkIn = try registry.checkIn(businessID: cart.id, at: S.north(100), accuracy: 12, source: .location, liveUntil: nil,
                                                   liveMessage: nil, now: S.now)
                #expect(checkIn.endsAt == registry.endOfDay(after: S.now))
                #expect(try registry.activeCheckIn(businessID: cart.id, now: S.now) == checkIn)
                let message = LiveMessage(chatID: 700, messageID: 31)
                let shared = try registry.checkIn(businessID: live.id, at: S.north(500), accuracy: nil, source: .live,
                                                  liveUntil: S.now.addingTimeInterval(3600), liveMessage: message, now: S.now)
                #expect(shared.endsAt == S.now.addingTimeInterval(3600))
                let results = try registry.nearest(NearestQuery(origin: S.centre, category: "bakso-mie", limit: 10), at: S.now)
                #expect(results.map(\.business.registryID) == ["C1", "S1", "S2", "C2"])
                #expect(results[0].checkedInSince == S.now && !results[0].isLive)
                #expect(results[3].isLive && results[3].lastUpdate == S.now)
                #expect(results[1].checkedInSince == nil && !results[1].isLive)

                // The live location moves with its message's edits; a citizen's live location moves nothing.
                let later = S.now.addingTimeInterval(120)
                #expect(try registry.moveLiveCheckIn(following: message, to: S.north(50), accuracy: 5, now: later)?.id == live.id)
                #expect(try registry.moveLiveCheckIn(following: LiveMessage(chatID: 1, messageID: 1), to: S.north(1), accuracy: nil, now: later) == nil)
                #expect(try registry.moveCheckIn(businessID: cart.id, to: S.north(200), accuracy: nil, now: later))
                // At once: the shop suspended, the other closed today, the cart's check-in ended.
                try registry.setStatus(.suspended, ofBusiness: shop.id, at: later)
                _ = try registry.closeToday(businessID: other.id, now: later)
                #expect(try registry.checkOut(businessID: cart.id, now: later))
                #expect(try !registry.checkOut(businessID: cart.id, now: later))
                let moved = try registry.nearest(NearestQuery(origin: S.centre, category: "bakso-mie", limit: 10), at: later)
                #expect(moved.map(\.business.registryID) == ["C2"])
                #expect(moved.first?.position == S.north(50))
                #expect(moved.first?.lastUpdate == later)
                #expect(try registry.activeCheckIn(businessID: live.id, now: later)?.accuracy == 5)
                #expect(try registry.checkedOutToday(businessID: cart.id, now: later))
                #expect(try !registry.checkedOutToday(businessID: live.id, now: later))

                // The vendor stops sharing: gone from the search, and "checked out today".
                #expect(try registry.endLiveCheckIn(following: message, now: later)?.id == live.id)
                #expect(try registry.endLiveCheckIn(following: message, now: later) == nil)
                #expect(try S.found(registry, at: later).isEmpty)
                #expect(try registry.checkedOutToday(businessID: live.id, now: later))
                #expect(try registry.currentPosition(ofBusiness: live.id) == nil)
                // Tomorrow, yesterday's /tutup says nothing.
                #expect(try !registry.checkedOutToday(businessID: cart.id, now: S.now.addingTimeInterval(86_400)))
            }
        }
    }

    @Test("A new check-in ends the earlier one; expired check-ins leave the index; shops and suspended carts cannot check in",
          arguments: StoreKind.allCases)
    func checkInRules(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                let cart = try registry.upsert(S.cart("C1", "Bakso Gerobak"), at: S.now).0
                let idle = try registry.upsert(S.cart("C2", "Sayur Keliling", category: "sayur-buah"), at: S.now).0
                let shop = try registry.upsert(S.shop("S1", "Bakso Tetap", at: 300), at: S.now).0
                _ = try registry.checkIn(businessID: cart.id, at: S.north(100), accuracy: nil, source: .location, liveUntil: nil, liveMessage: nil, now: S.now)
                let second = try registry.checkIn(businessID: cart.id, at: S.north(700), accuracy: nil, source: .location, liveUntil: nil,
                                                  liveMessage: nil, now: S.now.addingTimeInterval(60))
                #expect(try registry.activeCheckIn(businessID: cart.id, now: S.now.addingTimeInterval(60))?.id == second.id)
                #expect(try S.found(registry, at: S.now.addingTimeInterval(60)) == ["S1", "C1"])

                #expect(throws: RegistryError.notMobile("Bakso Tetap")) {
                    try registry.checkIn(businessID: shop.id, at: S.centre, accuracy: nil, source: .location, liveUntil: nil, liveMessage: nil, now: S.now)
                }
                try registry.setStatus(.suspended, ofBusiness: idle.id, at: S.now)
                #expect(throws: RegistryError.notActive("Sayur Keliling")) {
                    try registry.checkIn(businessID: idle.id, at: S.centre, accuracy: nil, source: .location, liveUntil: nil, liveMessage: nil, now: S.now)
                }
                #expect(throws: RegistryError.noSuchBusiness(999)) {
                    try registry.checkIn(businessID: 999, at: S.centre, accuracy: nil, source: .location, liveUntil: nil, liveMessage: nil, now: S.now)
                }
                #expect(try registry.checkIn([(cart.id, S.north(20)), (shop.id, S.centre), (idle.id, S.centre)], now: S.now.addingTimeInterval(90)) == 1)
                #expect(try registry.currentPosition(ofBusiness: cart.id) == S.north(20))

                // Tomorrow the cart is not found, and the purge removes yesterday's entry.
                let tomorrow = S.now.addingTimeInterval(86_400)
                #expect(try S.found(registry, at: tomorrow) == ["S1"])
                #expect(try registry.purgeExpiredPlaces(now: tomorrow) == 1)
                #expect(try registry.purgeExpiredPlaces(now: tomorrow) == 0)
                #expect(try registry.currentPosition(ofBusiness: cart.id) == nil)
                #expect(try registry.activeCheckIn(businessID: cart.id, now: tomorrow) == nil)
                #expect(try !registry.moveCheckIn(businessID: cart.id, to: S.centre, accuracy: nil, now: tomorrow))
            }
        }
    }

    @Test("Upgrading a PostgreSQL registry to migration 5 keeps today's check-ins: the cart is still found, and can check out")
    func upgradeKeepsCheckIns() async throws {
        try await PostgresFixture.with { fixture in
            let logger = Logger(label: "upgrade-test")
            let client = fixture.store.client
            // The schema as migrations 1-4 left it, with a cart checked in the old way.
            try await client.query("""
                CREATE TABLE schema_migration (number INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """, logger: logger)
            for migration in PostgresMigrations.all where migration.number < 5 {
                for statement in migration.sql { try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await client.query("INSERT INTO schema_migration (number, name) VALUES (\(migration.number), \(migration.name))", logger: logger)
            }
            let started = Int64(S.now.timeIntervalSince1970), position = S.north(120)
            try await client.query("""
                INSERT INTO business (registry_id, name, category, mode, created_at, updated_at)
                VALUES ('C1', 'Bakso Gerobak', 'bakso-mie', 'berkeliling', \(started), \(started))
                """, logger: logger)
            try await client.query("""
                INSERT INTO checkin (business_id, latitude, longitude, started_at, expires_at)
                SELECT id, \(position.latitude), \(position.longitude), \(started), \(started + 3600) FROM business
                """, logger: logger)
            try await client.query("""
                INSERT INTO place (business_id, category, halal, geom, expires_at)
                SELECT id, 'bakso-mie', false, ST_SetSRID(ST_MakePoint(\(position.longitude), \(position.latitude)), 4326)::geography,
                       \(started + 3600) FROM business
                """, logger: logger)

            #expect(try await PostgresMigrations.migrate(fixture.store) == PostgresMigrations.all.map(\.number).filter { $0 >= 5 })
            let later = S.now.addingTimeInterval(60)
            try await fixture.store.writeInTask { session in
                let results = try session.nearest(NearestQuery(origin: S.centre, category: "bakso-mie"), at: later)
                #expect(results.map(\.business.registryID) == ["C1"])
                #expect(results.first?.checkedInSince == S.now && results.first?.position == position)
                #expect(try session.activeCheckIn(businessID: 1, now: later)?.endsAt == S.now.addingTimeInterval(3600))
                #expect(try session.checkOut(businessID: 1, now: later))
                #expect(try session.nearest(NearestQuery(origin: S.centre, category: "bakso-mie"), at: later).isEmpty)
            }
        }
    }
}
