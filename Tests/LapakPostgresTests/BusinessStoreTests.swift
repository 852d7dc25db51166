import Foundation
import LapakPostgres
import LapakRegistry
import Testing

/// The registry's businesses and check-ins, as a handler sees them (`BusinessStore`, `CheckInStore`).
typealias RegistryUnderTest = any BusinessStore & CheckInStore

extension StoreUnderTest {
    /// Runs `body` on the registry inside one committed transaction.
    func registry<T: Sendable>(_ body: @escaping @Sendable (RegistryUnderTest) throws -> T) async throws -> T {
        try await write { session in try body(session.store()) }
    }
}

/// Small businesses near Bontang's centre for the store tests.
enum BusinessSamples {
    /// 2025-12-01 08:00 WITA.
    static let now = Date(timeIntervalSince1970: 1_764_547_200)
    /// Bontang's centre.
    static let centre = GeoPoint(latitude: 0.1443, longitude: 117.4938)

    /// `metres` north of the centre (about 111,195 m per degree).
    static func north(_ metres: Double) -> GeoPoint {
        GeoPoint(latitude: centre.latitude + metres / 111_195, longitude: centre.longitude)
    }

    static func shop(_ id: String, _ name: String, at metres: Double, category: String = "bakso-mie", halal: Bool = false,
                     phone: String = "") -> Business {
        Business(registryID: id, name: name, category: category, mode: .menetap, location: north(metres), phone: phone, halal: halal)
    }

    static func cart(_ id: String, _ name: String, category: String = "bakso-mie") -> Business {
        Business(registryID: id, name: name, category: category, mode: .berkeliling, location: nil)
    }

    /// The registry ids the nearest search finds around the centre.
    static func found(_ registry: RegistryUnderTest, category: String? = "bakso-mie", halalOnly: Bool = false,
                      at now: Date = now) throws -> [String] {
        try registry.nearest(NearestQuery(origin: centre, category: category, halalOnly: halalOnly, limit: 20), at: now).map(\.business.registryID)
    }
}

@Suite("BusinessStore on both stores: records, enrolment, owners, links, closed today")
struct BusinessStoreTests {
    typealias S = BusinessSamples

    @Test("Upsert inserts, updates and leaves an equal record alone; status and source stay as stored", arguments: StoreKind.allCases)
    func upsertOutcomes(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                let (stored, inserted) = try registry.upsert(S.shop("B1", "Bakso Pak Min", at: 100), at: S.now)
                #expect(inserted == .inserted)
                #expect(try registry.upsert(S.shop("B1", "Bakso Pak Min", at: 100), at: S.now).1 == .unchanged)
                let (renamed, updated) = try registry.upsert(S.shop("B1", "Bakso Pak Min Asli", at: 100), at: S.now)
                #expect(updated == .updated)
                #expect(renamed.id == stored.id)
                #expect(try registry.business(id: stored.id)?.name == "Bakso Pak Min Asli")
                #expect(try registry.business(registryID: "B1")?.location == S.north(100))
                #expect(try registry.business(registryID: "NOPE") == nil)

                // A suspended record re-imported as active stays suspended (only staff change the status).
                try registry.setStatus(.suspended, ofBusiness: stored.id, at: S.now)
                #expect(try registry.upsert(S.shop("B1", "Bakso Pak Min Asli", at: 100), at: S.now).1 == .unchanged)
                #expect(try registry.business(id: stored.id)?.status == .suspended)

                let summary = try registry.upsertAll([S.shop("B1", "Bakso Pak Min Asli", at: 100), S.shop("A2", "Mie Ayam", at: 50),
                                                      S.shop("C3", "Bakso Solo", at: 10, phone: "+6281234567890")], now: S.now, progress: { _, _ in })
                #expect((summary.inserted, summary.updated, summary.unchanged) == (2, 0, 1))
                #expect(try registry.count() == 3)
                #expect(try registry.allBusinesses().map(\.registryID) == ["A2", "B1", "C3"])
                #expect(try registry.currentPosition(ofBusiness: renamed.id) == nil)
                #expect(try S.found(registry) == ["C3", "A2"])
                try registry.setStatus(.active, ofBusiness: stored.id, at: S.now)
                #expect(try registry.currentPosition(ofBusiness: stored.id) == S.north(100))
                #expect(try S.found(registry) == ["C3", "A2", "B1"])
            }
        }
    }

    @Test("Enrolment numbers TG-000001… past taken ids; a halal claim waits for staff", arguments: StoreKind.allCases)
    func enrolment(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                // The agency imported a TG-like id: enrolment steps over it.
                _ = try registry.upsert(S.shop("TG-000002", "Warung Agensi", at: 500, category: "warung-makan"), at: S.now)
                let first = try registry.enroll(S.shop("", "Bakso Baru", at: 20, halal: true), owner: 77, halalClaimed: true, now: S.now)
                let second = try registry.enroll(S.shop("", "Mie Baru", at: 30), owner: 78, halalClaimed: false, now: S.now)
                #expect([first.registryID, second.registryID] == ["TG-000003", "TG-000004"])
                #expect(first.source == .selfEnrolled && !first.verified && first.ownerTelegramID == 77 && !first.halal)
                #expect(try registry.business(id: first.id) == first)
                #expect(try registry.hasHalalClaim(first.id))
                #expect(try !registry.hasHalalClaim(second.id))
                #expect(try S.found(registry, halalOnly: true).isEmpty)
                #expect(try S.found(registry) == ["TG-000003", "TG-000004"])

                let pending = try registry.unverified(limit: 1)
                #expect(pending.total == 2)
                #expect(pending.businesses.map(\.registryID) == ["TG-000003"])

                // Verifying confirms the claim: the halal mark shows in searches.
                try registry.setVerified(true, ofBusiness: first.id, now: S.now)
                #expect(try registry.business(id: first.id)?.halal == true)
                #expect(try !registry.hasHalalClaim(first.id))
                #expect(try S.found(registry, halalOnly: true) == ["TG-000003"])
                #expect(try registry.unverified(limit: 10).total == 1)

                try registry.setHalalClaim(true, ofBusiness: second.id, now: S.now)
                try registry.setHalalClaim(true, ofBusiness: second.id, now: S.now)
                #expect(try registry.hasHalalClaim(second.id))
                try registry.setHalalClaim(false, ofBusiness: second.id, now: S.now)
                #expect(try !registry.hasHalalClaim(second.id))
                try registry.setHalalClaim(true, ofBusiness: second.id, now: S.now)
                let certified = try registry.certifyHalal(true, ofBusiness: second.id, now: S.now)
                #expect(certified.halal)
                #expect(try !registry.hasHalalClaim(second.id))
                #expect(try S.found(registry, halalOnly: true) == ["TG-000003", "TG-000004"])
                _ = try registry.certifyHalal(false, ofBusiness: first.id, now: S.now)
                #expect(try S.found(registry, halalOnly: true) == ["TG-000004"])
                // Verifying without a claim leaves the mark alone.
                try registry.setVerified(true, ofBusiness: first.id, now: S.now)
                #expect(try registry.business(id: first.id)?.halal == false)
            }
        }
    }

    @Test("Owners' lists and phone lookups leave deleted businesses out; an edit keeps status and registry id", arguments: StoreKind.allCases)
    func ownersAndPhones(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                let phone = "+6281234567890"
                let a = try registry.enroll(S.shop("", "Bakso A", at: 10, phone: phone), owner: 5, halalClaimed: false, now: S.now)
                let b = try registry.enroll(S.shop("", "Bakso B", at: 20, phone: phone), owner: 5, halalClaimed: false, now: S.now)
                _ = try registry.upsert(S.shop("X1", "Bakso X", at: 30, phone: phone), at: S.now)
                _ = try registry.enroll(S.shop("", "Mie C", at: 40), owner: 6, halalClaimed: false, now: S.now)
                #expect(try registry.businesses(ownedBy: 5).map(\.id) == [a.id, b.id])
                #expect(try registry.businesses(phone: phone).map(\.name) == ["Bakso A", "Bakso B", "Bakso X"])
                #expect(try registry.businesses(phone: "").isEmpty)
                try registry.setStatus(.inactive, ofBusiness: a.id, at: S.now)
                #expect(try registry.businesses(ownedBy: 5).map(\.id) == [b.id])
                #expect(try registry.businesses(phone: phone).map(\.name) == ["Bakso B", "Bakso X"])

                try registry.setStatus(.suspended, ofBusiness: b.id, at: S.now)
                var edit = b
                edit.name = "Bakso B Baru"
                edit.registryID = "HIJACK"
                edit.status = .active
                edit.location = S.north(5)
                let saved = try registry.update(edit, now: S.now)
                #expect(saved.registryID == b.registryID && saved.status == .suspended && saved.name == "Bakso B Baru")
                #expect(try registry.business(id: b.id) == saved)
                #expect(try registry.currentPosition(ofBusiness: b.id) == nil)
                var missing = b
                missing.id = 9_999
                #expect(throws: RegistryError.noSuchBusiness(9_999)) { try registry.update(missing, now: S.now) }
            }
        }
    }

    @Test("Links: the contact must carry the number, the first owner stays, every link audited; requests approved and refused",
          arguments: StoreKind.allCases)
    func linksAndRequests(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                let phone = "+6281234567890"
                let one = try registry.upsert(S.shop("L1", "Bakso Satu", at: 10, phone: phone), at: S.now).0
                let two = try registry.upsert(S.shop("L2", "Bakso Dua", at: 20, phone: phone), at: S.now).0
                let three = try registry.upsert(S.shop("L3", "Bakso Tiga", at: 30), at: S.now).0
                #expect(try registry.link(one.id, to: 41, proof: .contact, phone: "+6289999999999", approvedBy: nil, request: nil, now: S.now) == nil)
                let linked = try registry.link(one.id, to: 41, proof: .contact, phone: phone, approvedBy: nil, request: nil, now: S.now)
                #expect(linked?.ownerTelegramID == 41)
                #expect(try registry.link(one.id, to: 42, proof: .contact, phone: phone, approvedBy: nil, request: nil, now: S.now) == nil)
                #expect(try registry.ownershipHistory(of: one.id)
                    == [OwnershipRecord(businessID: one.id, ownerTelegramID: 41, proof: .contact, phone: phone, approvedBy: nil, createdAt: S.now)])

                let (request, isNew) = try registry.requestLink(two.id, by: 50, userName: "Sari", phone: phone, now: S.now)
                #expect(isNew && request.status == .pending && request.userName == "Sari")
                let again = try registry.requestLink(two.id, by: 50, userName: "Sari", phone: phone, now: S.now)
                #expect(!again.isNew && again.request.id == request.id)
                #expect(try registry.linkRequest(request.id) == request)
                guard case .linked(let business) = try registry.decideLinkRequest(request.id, approve: true, by: 900, now: S.now) else {
                    Issue.record("the approval did not link")
                    return
                }
                #expect(business.ownerTelegramID == 50)
                #expect(try registry.decideLinkRequest(request.id, approve: false, by: 901, now: S.now) == .alreadyDecided(.approved))
                #expect(try registry.linkRequest(request.id)?.decidedBy == 900)
                #expect(try registry.ownershipHistory(of: two.id).map(\.approvedBy) == [900])

                // The business found an owner meanwhile: the approval closes the request unlinked.
                let late = try registry.requestLink(two.id, by: 51, userName: "Budi", phone: phone, now: S.now).request
                #expect(try registry.decideLinkRequest(late.id, approve: true, by: 900, now: S.now) == .businessTaken)
                #expect(try registry.linkRequest(late.id)?.status == .rejected)
                let refused = try registry.requestLink(three.id, by: 52, userName: "Ani", phone: "", now: S.now).request
                #expect(try registry.decideLinkRequest(refused.id, approve: false, by: 900, now: S.now) == .rejected)
                #expect(try registry.business(id: three.id)?.ownerTelegramID == nil)
                // Refused, the user may ask again.
                #expect(try registry.requestLink(three.id, by: 52, userName: "Ani", phone: "", now: S.now).isNew)
            }
        }
    }

    @Test("Closed today hides a shop from the search until midnight or until it reopens", arguments: StoreKind.allCases)
    func closedToday(_ kind: StoreKind) async throws {
        try await StoreUnderTest.with(kind) { store in
            try await store.registry { registry in
                let near = try registry.upsert(S.shop("N1", "Bakso Dekat", at: 10), at: S.now).0
                _ = try registry.upsert(S.shop("F1", "Bakso Jauh", at: 900), at: S.now)
                let until = try registry.closeToday(businessID: near.id, now: S.now)
                #expect(until == registry.endOfDay(after: S.now))
                #expect(try registry.closedUntil(businessID: near.id, now: S.now) == until)
                #expect(try S.found(registry) == ["F1"])
                // An edit while closed keeps it closed.
                var edit = near
                edit.name = "Bakso Dekat Sekali"
                _ = try registry.update(edit, now: S.now)
                #expect(try S.found(registry) == ["F1"])
                // After midnight it is found again without anyone reopening it.
                let tomorrow = until.addingTimeInterval(60)
                #expect(try registry.closedUntil(businessID: near.id, now: tomorrow) == nil)
                #expect(try S.found(registry, at: tomorrow) == ["N1", "F1"])
                try registry.reopen(businessID: near.id, now: S.now)
                #expect(try registry.closedUntil(businessID: near.id, now: S.now) == nil)
                #expect(try S.found(registry) == ["N1", "F1"])
            }
        }
    }
}
