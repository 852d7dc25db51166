import Foundation
import LapakPostgres
import LapakRegistry
import Testing

@Suite("Overflow orders on both stores: waves to the nearest of the kind, one winner, decline, cancel, expiry")
struct OverflowOrderStoreTests {
    typealias Fixture = ProgrammeStoreFixture
    static let origin = GeoPoint(latitude: 0.1300, longitude: 117.4800)
    static let now = Fixture.noon

    /// The originator (owner 100) among caterers at 111 m steps north, and businesses a wave must pass over.
    static let registry: [Business] = [
        Fixture.business("OV-00", "katering", northOf: origin, by: 0, owner: 100),
        Fixture.business("OV-01", "katering", northOf: origin, by: 0.001, owner: 101),
        Fixture.business("OV-02", "katering", northOf: origin, by: 0.0005, owner: 102, verified: false),  // not checked by staff
        Fixture.business("OV-03", "kue", northOf: origin, by: 0.0004, owner: 103),  // another kind
        Fixture.business("OV-04", "katering", northOf: origin, by: 0.0006, owner: nil),  // not on Telegram
        Fixture.business("OV-05", "katering", northOf: origin, by: 0.0007, owner: 100),  // the originator's own
        Fixture.business("OV-06", "katering", northOf: origin, by: 0.002, owner: 106),
        Fixture.business("OV-07", "katering", northOf: origin, by: 0.003, owner: 107),
        Fixture.business("OV-08", "katering", northOf: origin, by: 0.004, owner: 108),
        Fixture.business("OV-09", "katering", northOf: origin, by: 0.005, owner: 109),
        Fixture.business("OV-10", "katering", northOf: origin, by: 0.0008, owner: 110, status: .suspended),
        Fixture.business("OV-11", "katering", northOf: origin, by: 0.4, owner: 111),  // 44 km: beyond a wave's reach
        Fixture.business("OV-12", "katering", northOf: origin, by: 0.003, owner: 112),  // where OV-07 is: a tie, broken by row id
    ]

    /// Seeds the registry and returns it by registry id.
    static func seeded(_ store: StoreUnderTest) async throws -> [String: Business] {
        return try await Fixture.seed(registry, on: store)
    }

    static func draft() -> OverflowOrderDraft {
        OverflowOrderDraft(what: "200 nasi kotak", quantity: 200, neededAt: now.addingTimeInterval(86_400), place: origin, kelurahan: "Api-Api",
                           note: "tanpa sambal", customerContact: "+6281234567890")
    }

    /// Creates an order from OV-00 and sends its first wave (ten minutes to answer) at `now`.
    static func orderWithFirstWave(_ store: StoreUnderTest, from origin: Business) async throws -> (OverflowOrder, [String]) {
        try await store.write { session in
            let orders: any OverflowOrderStore = session.store()
            let order = try orders.createOverflowOrder(draft(), from: origin, userID: 100, username: "bu_ani", now: now)
            let wave = try orders.offerNextWave(of: order.id, size: 3, answerWithin: 600, now: now)
            return (order, wave.map(\.business.registryID))
        }
    }

    @Test("The first wave goes to the three nearest verified caterers on Telegram, never the originator's own", arguments: StoreKind.allCases)
    func firstWave(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let businesses = try await Self.seeded(store)
            let origin = try #require(businesses["OV-00"])
            let (candidates, order, offers) = try await store.write { session in
                let orders: any OverflowOrderStore = session.store()
                let order = try orders.createOverflowOrder(Self.draft(), from: origin, userID: 100, username: "bu_ani", now: Self.now)
                let candidates = try orders.waveCandidates(for: order, size: 3, maxDistance: 25_000)
                _ = try orders.offerNextWave(of: order.id, size: 3, answerWithin: 600, now: Self.now)
                return (candidates, try orders.overflowOrder(order.id), try orders.offers(of: order.id))
            }
            #expect(candidates.map(\.business.registryID) == ["OV-01", "OV-06", "OV-07"])
            #expect(candidates.map(\.userID) == [101, 106, 107])
            #expect(candidates.allSatisfy { !$0.viaApprenticeship })
            let distances = candidates.compactMap(\.distance)
            #expect(distances.count == 3 && abs(distances[0] - 111.2) < 1 && distances == distances.sorted())
            #expect(order?.status == .open && order?.wave == 1 && order?.waveExpiresAt == Self.now.addingTimeInterval(600))
            #expect(order?.customerContact == "+6281234567890" && order?.fromUsername == "bu_ani" && order?.quantity == 200)
            #expect(offers.map(\.businessID) == candidates.map(\.business.id))
            #expect(offers.allSatisfy { $0.status == .offered && $0.wave == 1 })
        }
    }

    @Test("The first Ambil wins and the other offers are lost; a second press, a late one and a forged one are refused",
          arguments: StoreKind.allCases)
    func takeOnce(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let businesses = try await Self.seeded(store)
            let (order, _) = try await Self.orderWithFirstWave(store, from: try #require(businesses["OV-00"]))
            let ids = businesses.mapValues(\.id)
            let (first, again, late, forged, offers) = try await store.write { session in
                let orders: any OverflowOrderStore = session.store()
                let later = Self.now.addingTimeInterval(60)
                return (try orders.takeOverflowOrder(order.id, business: ids["OV-06"] ?? 0, userID: 106, now: later),
                        try orders.takeOverflowOrder(order.id, business: ids["OV-06"] ?? 0, userID: 106, now: later),
                        try orders.takeOverflowOrder(order.id, business: ids["OV-01"] ?? 0, userID: 101, now: later),
                        try orders.takeOverflowOrder(order.id, business: ids["OV-01"] ?? 0, userID: 999, now: later),
                        try orders.offers(of: order.id))
            }
            guard case .taken(let taken, let others) = first else { Issue.record("first press: \(first)"); return }
            #expect(taken.status == .taken && taken.takenByBusinessID == ids["OV-06"] && taken.takenByUserID == 106)
            #expect(others.map(\.businessID).sorted() == [ids["OV-01"] ?? 0, ids["OV-07"] ?? 0].sorted())
            #expect(again == .tooLate(.taken))
            #expect(late == .tooLate(.taken))
            #expect(forged == .notOffered)
            #expect(offers.map(\.status) == [.lost, .taken, .lost])
        }
    }

    @Test("Tolak marks only the presser's offer; cancelling ends the untaken order once and its open offers with it",
          arguments: StoreKind.allCases)
    func declineAndCancel(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let businesses = try await Self.seeded(store)
            let (order, _) = try await Self.orderWithFirstWave(store, from: try #require(businesses["OV-00"]))
            let ids = businesses.mapValues(\.id)
            let (declines, cancelled, again, take, offers) = try await store.write { session in
                let orders: any OverflowOrderStore = session.store()
                let later = Self.now.addingTimeInterval(60)
                let declines = [try orders.declineOverflowOrder(order.id, business: ids["OV-01"] ?? 0, userID: 101, now: later),
                                try orders.declineOverflowOrder(order.id, business: ids["OV-01"] ?? 0, userID: 101, now: later),
                                try orders.declineOverflowOrder(order.id, business: ids["OV-06"] ?? 0, userID: 999, now: later)]
                return (declines, try orders.cancelOverflowOrder(order.id, now: later), try orders.cancelOverflowOrder(order.id, now: later),
                        try orders.takeOverflowOrder(order.id, business: ids["OV-07"] ?? 0, userID: 107, now: later), try orders.offers(of: order.id))
            }
            #expect(declines == [true, false, false])
            #expect(cancelled?.map(\.businessID) == [ids["OV-06"] ?? 0, ids["OV-07"] ?? 0])
            #expect(cancelled?.allSatisfy { $0.status == .offered } == true)
            #expect(again == nil)
            #expect(take == .tooLate(.cancelled))
            #expect(offers.map(\.status) == [.declined, .expired, .expired])
        }
    }

    @Test("A wave runs out, the order widens to the next three (ties by row id), and ends expired when no one is left",
          arguments: StoreKind.allCases)
    func expireWidenExhaust(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let businesses = try await Self.seeded(store)
            let (order, first) = try await Self.orderWithFirstWave(store, from: try #require(businesses["OV-00"]))
            #expect(first == ["OV-01", "OV-06", "OV-07"])
            let ids = businesses.mapValues(\.id)
            let (early, due, next, expired, late, second, third) = try await store.write { session in
                let orders: any OverflowOrderStore = session.store()
                let early = try orders.overflowOrdersWithExpiredWave(now: Self.now.addingTimeInterval(599), limit: 50).map(\.id)
                let due = (try orders.overflowOrdersWithExpiredWave(now: Self.now.addingTimeInterval(600), limit: 50).map(\.id),
                           try orders.nextOverflowWaveExpiry())
                let expired = try orders.expireOverflowWave(order.id, now: Self.now.addingTimeInterval(600))
                let late = try orders.takeOverflowOrder(order.id, business: ids["OV-01"] ?? 0, userID: 101, now: Self.now.addingTimeInterval(610))
                let second = try orders.offerNextWave(of: order.id, size: 3, answerWithin: 600, now: Self.now.addingTimeInterval(700))
                _ = try orders.expireOverflowWave(order.id, now: Self.now.addingTimeInterval(1300))
                let third = try orders.offerNextWave(of: order.id, size: 3, answerWithin: 600, now: Self.now.addingTimeInterval(1400))
                return (early, due.0, due.1, expired, late, second, third)
            }
            #expect(early.isEmpty)
            #expect(due == [order.id])
            #expect(next == Self.now.addingTimeInterval(600))
            #expect(expired?.count == 3)
            #expect(late == .tooLate(.expired))
            #expect(second.map(\.business.registryID) == ["OV-12", "OV-08", "OV-09"])
            #expect(third.isEmpty)
            let (final, offers, nextExpiry, stillDue) = try await store.write { session in
                let orders: any OverflowOrderStore = session.store()
                try orders.markOverflowOrderExhausted(order.id, now: Self.now.addingTimeInterval(1400))
                return (try orders.overflowOrder(order.id), try orders.offers(of: order.id), try orders.nextOverflowWaveExpiry(),
                        try orders.overflowOrdersWithExpiredWave(now: Self.now.addingTimeInterval(5000), limit: 50))
            }
            #expect(final?.status == .expired && final?.wave == 2 && final?.closedAt == Self.now.addingTimeInterval(1400))
            #expect(offers.map(\.wave) == [1, 1, 1, 2, 2, 2] && offers.allSatisfy { $0.status == .expired })
            #expect(nextExpiry == nil && stillDue.isEmpty)
        }
    }

    @Test("Apprentices are offered first, and a take by one counts in the totals",
          arguments: StoreKind.allCases)
    func apprenticesFirst(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let businesses = try await Self.seeded(store)
            let ids = businesses.mapValues(\.id)
            let mentor = try #require(businesses["OV-00"])
            // OV-09, the farthest, is an active apprentice of the originator; OV-08's apprenticeship has finished.
            try await store.write { session in
                for (beginner, status) in [("OV-09", "active"), ("OV-08", "finished")] {
                    try session.runSetUp("""
                        INSERT INTO apprenticeship (beginner_id, mentor_id, status, weeks, proposed_by, created_at)
                        VALUES (\(ids[beginner] ?? 0), \(mentor.id), '\(status)', 4, 1, \(Int64(Self.now.timeIntervalSince1970)))
                        """)
                }
            }
            let (order, wave) = try await Self.orderWithFirstWave(store, from: mentor)
            #expect(wave == ["OV-09", "OV-01", "OV-06"])
            let (offers, take, totals) = try await store.write { session in
                let orders: any OverflowOrderStore = session.store()
                let offers = try orders.offers(of: order.id)
                let take = try orders.takeOverflowOrder(order.id, business: ids["OV-09"] ?? 0, userID: 109, now: Self.now.addingTimeInterval(30))
                return (offers, take, try orders.overflowTotals())
            }
            #expect(offers.map(\.viaApprenticeship) == [true, false, false])
            guard case .taken = take else { Issue.record("\(take)"); return }
            #expect(totals.taken == 1 && totals.takenByApprentices == 1)
        }
    }

    @Test("Staff's totals count orders by how they ended", arguments: StoreKind.allCases)
    func totals(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let businesses = try await Self.seeded(store)
            let origin = try #require(businesses["OV-00"])
            var made: [OverflowOrder] = []
            for _ in 0..<4 { made.append(try await Self.orderWithFirstWave(store, from: origin).0) }
            let orders = made
            let ids = businesses.mapValues(\.id)
            let totals = try await store.write { session in
                let store: any OverflowOrderStore = session.store()
                _ = try store.takeOverflowOrder(orders[0].id, business: ids["OV-01"] ?? 0, userID: 101, now: Self.now.addingTimeInterval(30))
                _ = try store.cancelOverflowOrder(orders[1].id, now: Self.now.addingTimeInterval(30))
                _ = try store.expireOverflowWave(orders[2].id, now: Self.now.addingTimeInterval(600))
                return try store.overflowTotals()
            }
            let counts: [Int] = [totals.open, totals.taken, totals.expired, totals.cancelled, totals.takenByApprentices]
            #expect(counts == [1, 1, 1, 1, 0])
        }
    }
}
