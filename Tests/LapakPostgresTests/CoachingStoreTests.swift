import Foundation
import GRDB
import LapakPostgres
import LapakRegistry
import PostgresNIO
import Testing

/// Test data and lookups for the coaching suites, the same on either store.
enum CoachingFixture {
    /// The moment the test businesses enter the registry.
    static let registered = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01 08:00 WITA

    /// A verified, active business of Api-Api owned on Telegram, a shop when `location` is given.
    static func business(_ registryID: String, name: String, category: String = "katering", location: GeoPoint? = nil,
                         kelurahan: String = "Api-Api", status: BusinessStatus = .active) -> Business {
        Business(registryID: registryID, name: name, category: category, mode: location == nil ? .berkeliling : .menetap, location: location,
                 kelurahan: kelurahan, ownerTelegramID: 900_000 + Int64(registryID.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0xFFFFF }), status: status, verified: true)
    }

    /// Seeds `businesses` and returns their row ids by registry id.
    static func seed(_ businesses: [Business], in store: StoreUnderTest) async throws -> [String: Int64] {
        try await store.seed(businesses, now: registered)
        return try await store.write { session in try session.businessIDs() }
    }
}

extension StoreUnderTest {
    /// `write`, throwing the body's own error on both stores (PostgreSQL's transactions wrap it in a
    /// `PostgresTransactionError`), so a test expects the same refusal of either.
    func writeUnwrapped<T: Sendable>(_ body: @escaping @Sendable (SessionUnderTest) throws -> T) async throws -> T {
        do {
            return try await write(body)
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error
        }
    }
}

extension SessionUnderTest {
    /// Every business's row id by registry id, read with each store's own SQL.
    func businessIDs() throws -> [String: Int64] {
        let pairs: [(String, Int64)]
        if let db = sqliteDatabase as? Database {
            pairs = try Row.fetchAll(db, sql: "SELECT registry_id, id FROM business").map { ($0[0], $0[1]) }
        } else {
            pairs = try store(PostgresSession.self).rows("SELECT registry_id, id FROM business").map { try $0.decode((String, Int64).self) }
        }
        return Dictionary(uniqueKeysWithValues: pairs)
    }
}

@Suite("The coaching store on SQLite and PostgreSQL: business groups and coaching roles")
struct CoachingStoreTests {
    @Test("Groups: created with distinct known members, refused with unknown ones, members replaced, support and totals",
          arguments: StoreKind.allCases)
    func groups(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let ids = try await CoachingFixture.seed([
                CoachingFixture.business("G-1", name: "Warung Cici"), CoachingFixture.business("G-2", name: "Warung Ani"),
                CoachingFixture.business("G-3", name: "Warung Budi"), CoachingFixture.business("G-4", name: "Bakso Dedi", category: "bakso-mie"),
                CoachingFixture.business("G-5", name: "Warung Eko", status: .suspended),
            ], in: store)
            let (cici, ani, budi) = (ids["G-1"]!, ids["G-2"]!, ids["G-3"]!)
            let now = CoachingFixture.registered.addingTimeInterval(3600)
            // An unknown member refuses the whole group: nothing is stored.
            await #expect(throws: RegistryError.noSuchBusiness(9_999)) {
                try await store.writeUnwrapped { session in
                    let coaching: any CoachingStore = session.store()
                    return try coaching.createGroup(name: "Kelompok X", category: "katering", kelurahan: "Api-Api", members: [cici, 9_999], by: 7, now: now)
                }
            }
            await #expect(throws: BusinessGroupError.self) {
                try await store.writeUnwrapped { session in
                    let coaching: any CoachingStore = session.store()
                    return try coaching.createGroup(name: "  ", category: "katering", kelurahan: "Api-Api", members: [cici], by: 7, now: now)
                }
            }
            #expect(try await store.write { session in try (session.store() as any CoachingStore).businessGroups(limit: 10) }.isEmpty)
            try await store.write { session in
                let coaching: any CoachingStore = session.store()
                // A member named twice is a member once.
                let first = try coaching.createGroup(name: " Katering Api-Api ", category: "katering", kelurahan: "Api-Api",
                                                     members: [cici, ani, cici], by: 7, now: now)
                #expect(first.name == "Katering Api-Api" && first.memberCount == 2 && first.supportCount == 0)
                #expect(first.createdAt == now)
                #expect(try coaching.members(ofGroup: first.id).map(\.name) == ["Warung Ani", "Warung Cici"])
                #expect(try coaching.setMembers(ofGroup: first.id, to: [ani, budi], now: now) == [budi])
                #expect(try coaching.members(ofGroup: first.id).map(\.name) == ["Warung Ani", "Warung Budi"])
                #expect(throws: BusinessGroupError.self) { try coaching.setMembers(ofGroup: 4_242, to: [ani], now: now) }
                #expect(try coaching.groups(ofBusiness: cici).isEmpty)
                let second = try coaching.createGroup(name: "Kedua", category: "katering", kelurahan: "Api-Api", members: [budi], by: 7, now: now)
                #expect(try coaching.groups(ofBusiness: budi).map(\.id) == [first.id, second.id])
                #expect(try coaching.businessGroups(limit: 10).map(\.id) == [second.id, first.id])
                #expect(try coaching.businessGroups(limit: 1).map(\.id) == [second.id])

                let training = try coaching.recordSupport(.training, description: "Pelatihan higiene", on: "2026-11-01", toGroup: first.id, by: 7, now: now)
                let stove = try coaching.recordSupport(.equipment, description: " Kompor ", on: "2026-11-15", toGroup: first.id, by: 7, now: now)
                let marketing = try coaching.recordSupport(.training, description: "Pemasaran", on: "2026-11-15", toGroup: first.id, by: 7, now: now)
                #expect(stove.description == "Kompor" && stove.givenOn == "2026-11-15" && stove.groupID == first.id)
                #expect(throws: BusinessGroupError.self) {
                    try coaching.recordSupport(.other, description: " ", on: "2026-11-15", toGroup: first.id, by: 7, now: now)
                }
                #expect(throws: BusinessGroupError.self) {
                    try coaching.recordSupport(.other, description: "Modal", on: "2026-11-15", toGroup: 4_242, by: 7, now: now)
                }
                #expect(try coaching.support(ofGroup: first.id, limit: 50) == [marketing, stove, training])
                #expect(try coaching.support(ofGroup: first.id, limit: 1) == [marketing])
                #expect(try coaching.businessGroup(id: first.id)?.supportCount == 3)
                #expect(try coaching.businessGroup(id: 4_242) == nil)

                // Candidates: active businesses of the kind, the kelurahan in any case, by name.
                #expect(try coaching.businesses(category: "katering", kelurahan: "api-api", limit: 10).map(\.name)
                        == ["Warung Ani", "Warung Budi", "Warung Cici"])
                #expect(try coaching.businesses(category: "katering", kelurahan: "Api-Api", limit: 2).count == 2)
                let totals = try coaching.groupTotals()
                #expect(totals.groups == 2 && totals.members == 2)
                #expect(totals.support == [.training: 2, .equipment: 1])
            }
        }
    }

    @Test("Coaching roles: declared, edited keeping since, refused out of range, cleared; beginners oldest first and filtered",
          arguments: StoreKind.allCases)
    func coachingRoles(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            let ids = try await CoachingFixture.seed([
                CoachingFixture.business("R-1", name: "Kue Ani", category: "kue-roti"),
                CoachingFixture.business("R-2", name: "Kue Budi", category: "kue-roti", kelurahan: "Belimbing"),
                CoachingFixture.business("R-3", name: "Bakso Cici", category: "bakso-mie"),
                CoachingFixture.business("R-4", name: "Kue Dedi", category: "kue-roti", status: .suspended),
            ], in: store)
            let (ani, budi, cici, dedi) = (ids["R-1"]!, ids["R-2"]!, ids["R-3"]!, ids["R-4"]!)
            let t0 = CoachingFixture.registered
            try await store.write { session in
                let coaching: any CoachingStore = session.store()
                #expect(throws: CoachingRoleError.self) { try coaching.setCoachingRole(.mentor, capacity: 0, ofBusiness: ani, now: t0) }
                #expect(throws: CoachingRoleError.self) { try coaching.setCoachingRole(.mentor, capacity: 21, ofBusiness: ani, now: t0) }
                #expect(throws: RegistryError.noSuchBusiness(9_999)) { try coaching.setCoachingRole(.beginner, capacity: 0, ofBusiness: 9_999, now: t0) }
                try coaching.setCoachingRole(.beginner, capacity: 5, ofBusiness: budi, now: t0.addingTimeInterval(10))
                try coaching.setCoachingRole(.beginner, capacity: 0, ofBusiness: ani, now: t0.addingTimeInterval(20))
                try coaching.setCoachingRole(.beginner, capacity: 0, ofBusiness: cici, now: t0.addingTimeInterval(30))
                try coaching.setCoachingRole(.beginner, capacity: 0, ofBusiness: dedi, now: t0.addingTimeInterval(5))
                // A beginner's capacity is ignored; declaring the same role again keeps "since".
                #expect(try coaching.coachingProfile(ofBusiness: budi)
                        == CoachingProfile(businessID: budi, role: .beginner, capacity: 0, since: t0.addingTimeInterval(10)))
                try coaching.setCoachingRole(.beginner, capacity: 0, ofBusiness: budi, now: t0.addingTimeInterval(99))
                #expect(try coaching.coachingProfile(ofBusiness: budi)?.since == t0.addingTimeInterval(10))
                // Suspended businesses are left out; oldest declaration first.
                #expect(try coaching.beginners(category: nil, kelurahan: nil, limit: 10).map(\.id) == [budi, ani, cici])
                #expect(try coaching.beginners(category: "kue-roti", kelurahan: nil, limit: 10).map(\.id) == [budi, ani])
                #expect(try coaching.beginners(category: "kue-roti", kelurahan: "Api-Api", limit: 10).map(\.id) == [ani])
                #expect(try coaching.beginners(category: nil, kelurahan: nil, limit: 1).map(\.id) == [budi])
            }
            try await store.write { session in
                let coaching: any CoachingStore = session.store()
                // Becoming a mentor starts a new "since"; a capacity edit keeps it.
                try coaching.setCoachingRole(.mentor, capacity: 3, ofBusiness: ani, now: t0.addingTimeInterval(100))
                try coaching.setCoachingRole(.mentor, capacity: 4, ofBusiness: ani, now: t0.addingTimeInterval(200))
                #expect(try coaching.coachingProfile(ofBusiness: ani)
                        == CoachingProfile(businessID: ani, role: .mentor, capacity: 4, since: t0.addingTimeInterval(100)))
                #expect(try coaching.beginners(category: "kue-roti", kelurahan: nil, limit: 10).map(\.id) == [budi])
                #expect(try coaching.clearCoachingRole(ofBusiness: cici))
                #expect(try !coaching.clearCoachingRole(ofBusiness: cici))
                #expect(try coaching.coachingProfile(ofBusiness: cici) == nil)
                #expect(try coaching.registeredAt(ofBusiness: cici) == CoachingFixture.registered)
                #expect(try coaching.registeredAt(ofBusiness: 9_999) == nil)
            }
        }
    }
}
