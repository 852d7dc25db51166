import Foundation
import LapakPostgres
import LapakRegistry
import NIOPosix
import PostgresNIO
import Testing

@Suite("Programmes on several PostgreSQL workers at once: the halal quota holds, an order has one taker")
struct ProgrammeConcurrencyTests {
    typealias Fixture = ProgrammeStoreFixture

    /// A migrated database seeded with `businesses` (created at `now`, owners linked), and transactions on
    /// eight threads of their own, so eight bodies really run (and wait on locks) at the same time.
    static func withWorkers(seeding businesses: [Business], now: Date,
                            _ body: (PostgresTransactions, [String: Int64]) async throws -> Void) async throws {
        try await PostgresFixture.with { fixture in
            try await PostgresMigrations.migrate(fixture.store)
            try await PostgresRegistry(store: fixture.store).upsertAll(businesses, now: now)
            let threads = NIOThreadPool(numberOfThreads: 8)
            threads.start()
            let transactions = PostgresTransactions(store: fixture.store, threads: threads, taxonomy: PostgresRegistryTests.taxonomy,
                                                    timeZone: StoreUnderTest.timeZone)
            do {
                let ids = try await transactions.write { session in
                    var ids: [String: Int64] = [:]
                    for business in businesses {
                        ids[business.registryID] = try session.one("""
                            UPDATE business SET owner_telegram_id = \(business.ownerTelegramID) WHERE registry_id = \(business.registryID) RETURNING id
                            """, as: Int64.self)
                    }
                    return ids
                }
                try await body(transactions, ids)
            } catch {
                try await threads.shutdownGracefully()
                throw error
            }
            try await threads.shutdownGracefully()
        }
    }

    @Test("Eight staff accepting eight applications at once with a quota of five: exactly five are accepted")
    func quotaUnderConcurrency() async throws {
        let origin = GeoPoint(latitude: 0.14, longitude: 117.49)
        let shops = (1...8).map { Fixture.business("HQ-\($0)", "kue", northOf: origin, by: Double($0) * 0.001, owner: Int64($0)) }
        let now = Fixture.noon
        try await Self.withWorkers(seeding: shops, now: now.addingTimeInterval(-213 * 86_400)) { transactions, ids in
            let applications = try await transactions.write { session in
                try shops.map { shop -> Int64 in
                    var stored = shop
                    stored.id = ids[shop.registryID] ?? 0
                    guard case .submitted(let application) = try session.applyForHalal(stored, applicant: shop.ownerTelegramID ?? 0,
                                                                                      criteria: HalalCriteria(), now: now) else {
                        throw FixtureError("\(shop.registryID) could not apply")
                    }
                    return application.id
                }
            }
            let decisions = try await withThrowingTaskGroup(of: HalalDecision.self) { group in
                for id in applications {
                    group.addTask {
                        try await transactions.write { session in
                            let decision = try session.acceptHalal(id, quota: 5, now: now)
                            // Hold the transaction open a moment, as a slow handler would: the next acceptance must wait for this commit.
                            try session.execute("SELECT pg_sleep(0.02)")
                            return decision
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(decisions.filter { if case .changed = $0 { true } else { false } }.count == 5)
            #expect(decisions.filter { $0 == .quotaFull(used: 5, quota: 5) }.count == 3)
            #expect(try await transactions.write { try $0.halalQuotaUsed(year: 2026) } == 5)
        }
    }

    @Test("Two owners pressing Ambil at the same moment: one wins, the other is told it was taken")
    func oneTaker() async throws {
        let origin = GeoPoint(latitude: 0.13, longitude: 117.48)
        let caterers = (0...2).map { Fixture.business("TK-\($0)", "katering", northOf: origin, by: Double($0) * 0.001, owner: Int64(200 + $0)) }
        let now = Fixture.noon
        try await Self.withWorkers(seeding: caterers, now: now) { transactions, ids in
            var first = caterers[0]
            first.id = ids["TK-0"] ?? 0
            let originator = first
            for round in 0..<3 {
                let (order, offered) = try await transactions.write { session in
                    let order = try session.createOverflowOrder(
                        OverflowOrderDraft(what: "100 kotak", quantity: 100, neededAt: now.addingTimeInterval(86_400), place: origin, kelurahan: "Api-Api"),
                        from: originator, userID: 200, username: nil, now: now)
                    return (order, try session.offerNextWave(of: order.id, size: 3, answerWithin: 600, now: now).count)
                }
                #expect(offered == 2)
                let outcomes = try await withThrowingTaskGroup(of: TakeOutcome.self) { group in
                    for taker in ["TK-1", "TK-2"] {
                        group.addTask {
                            try await transactions.write { session in
                                let outcome = try session.takeOverflowOrder(order.id, business: ids[taker] ?? 0, userID: taker == "TK-1" ? 201 : 202,
                                                                            now: now.addingTimeInterval(10))
                                try session.execute("SELECT pg_sleep(0.02)")
                                return outcome
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.filter { if case .taken = $0 { true } else { false } }.count == 1, "round \(round): \(outcomes)")
                #expect(outcomes.filter { $0 == .tooLate(.taken) }.count == 1, "round \(round)")
                let offers = try await transactions.write { try $0.offers(of: order.id).map(\.status) }
                #expect(offers.sorted { $0.rawValue < $1.rawValue } == [.lost, .taken], "round \(round)")
            }
        }
    }
}
