import Foundation
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO
import Testing

/// The site keeps its directory in memory per registry version and asks the version on every request, so
/// the version must move with every committed change the site shows, and with nothing else.
@Suite("The registry version on PostgreSQL moves with what the public site shows")
struct RegistryVersionTests {
    typealias S = BusinessSamples

    @Test("A check-in, a suspension, an edit and a halal mark move the version once per transaction; other writes and rollbacks do not")
    func versionFollowsTheRegistry() async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            let transactions = PostgresTransactions(store: fixture.store, taxonomy: PostgresRegistryTests.taxonomy, timeZone: StoreUnderTest.timeZone)
            let directory = try PostgresPublicDirectory(url: fixture.url, taxonomy: PostgresRegistryTests.taxonomy,
                                                        timeZone: StoreUnderTest.timeZone, logger: Logger(label: "directory"))
            func version() async throws -> Int64 { try await DirectoryParityTests.blocking { try directory.version() } }
            /// The version's move over `write`, committed in one transaction.
            func moved(_ write: @escaping @Sendable (PostgresSession) throws -> Void) async throws -> Int64 {
                let before = try await version()
                try await transactions.write(write)
                return try await version() - before
            }
            #expect(try await version() == 0)
            #expect(try await moved { session in
                _ = try session.upsertAll([S.shop("A1", "Bakso Pak Min", at: 100), S.cart("C1", "Bakso Keliling")], now: S.now, progress: { _, _ in })
            } == 1, "an import of many rows is one transaction, one move")
            let cart = try #require(try await transactions.write { try $0.business(registryID: "C1") })
            let shop = try #require(try await transactions.write { try $0.business(registryID: "A1") })

            #expect(try await moved { session in
                _ = try session.checkIn(businessID: cart.id, at: S.north(50), accuracy: nil, source: .location, liveUntil: nil, liveMessage: nil, now: S.now)
            } == 1, "a check-in")
            #expect(try await moved { session in try session.setStatus(.suspended, ofBusiness: shop.id, at: S.now) } == 1, "a suspension")
            #expect(try await moved { session in
                var renamed = shop
                renamed.name = "Bakso Pak Min Asli"
                _ = try session.update(renamed, now: S.now)
            } == 1, "an edit")
            #expect(try await moved { session in _ = try session.certifyHalal(true, ofBusiness: cart.id, now: S.now) } == 1, "a halal mark")

            // Writes the site does not show: a language chosen, a dialog step; and a registry write rolled back.
            #expect(try await moved { session in try session.setLanguage("en", of: 42, handling: nil) } == 0, "a preference")
            #expect(try await moved { session in try session.execute("INSERT INTO poller_state (key, value) VALUES ('offset', 7)") } == 0)
            let before = try await version()
            await #expect(throws: (any Error).self) {
                try await transactions.write { session in
                    try session.setStatus(.active, ofBusiness: shop.id, at: S.now)
                    throw FixtureError("rolled back")
                }
            }
            #expect(try await version() == before, "a rolled-back transaction moves nothing")
            #expect(try await DirectoryParityTests.blocking { try directory.publicBusiness(registryID: "A1", at: S.now) } == nil,
                    "the suspension stands")

            // Freshness reads the version with the next check-in's end.
            let freshness = try await DirectoryParityTests.blocking { try directory.freshness(at: S.now) }
            #expect(freshness.version == before)
            #expect(freshness.nextExpiry != nil && freshness.nextExpiry! > S.now)
        }
    }
}
