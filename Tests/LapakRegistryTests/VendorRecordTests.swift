import Foundation
import LapakRegistry
import Testing

@Suite("Vendors' records: enrollment ids, linking, closed today, live check-ins, re-imports")
struct VendorRecordTests {
    static let here = GeoPoint(latitude: 0.1443, longitude: 117.4938)
    static let shop = Business(registryID: "S1", name: "Warung Bu Rina", category: "warung-makan", mode: .menetap, location: here,
                               phone: "+6281255550101")

    @Test("Self-enrolled businesses get TG-000001, TG-000002…, are owned, active and not verified")
    func enrollmentIDs() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let first = try await fixture.registry.enroll(Self.shop, owner: 11)
        let second = try await fixture.registry.enroll(Self.shop, owner: 11)
        #expect(first.registryID == "TG-000001" && second.registryID == "TG-000002")
        #expect(first.ownerTelegramID == 11 && !first.verified && first.status == .active)
        #expect(try await fixture.registry.businesses(ownedBy: 11).count == 2)
        #expect(try await fixture.registry.unverified(limit: 10).total == 2)
    }

    @Test("An owner's halal claim is not the mark: verification or staff's certification confirms it")
    func halalClaim() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        var claimed = Self.shop
        claimed.halal = true  // what the form said; the registry keeps it as a claim
        let business = try await fixture.registry.enroll(claimed, owner: 11, halalClaimed: true)
        #expect(!business.halal)
        #expect(try await fixture.registry.hasHalalClaim(business.id))
        let halalOnly = NearestQuery(origin: Self.here, halalOnly: true)
        #expect(try await fixture.registry.nearest(halalOnly).isEmpty)
        try await fixture.registry.setVerified(true, ofBusiness: business.id)
        #expect(try await fixture.registry.nearest(halalOnly).first?.business.id == business.id)
        #expect(try await !fixture.registry.hasHalalClaim(business.id))

        let other = try await fixture.registry.enroll(Self.shop, owner: 12)
        try await fixture.registry.setVerified(true, ofBusiness: other.id)
        #expect(try await fixture.registry.business(id: other.id)?.halal == false)  // nothing claimed, nothing marked
        #expect(try await fixture.registry.certifyHalal(true, ofBusiness: other.id).halal)
    }

    @Test("Linking by contact needs the same phone and no owner yet, is audited, and a re-import never unlinks the vendor")
    func linking() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let (shop, _) = try await fixture.registry.upsert(Self.shop)
        let moment = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(try await fixture.registry.link(shop.id, to: 11, proof: .contact, phone: "+6289999999999") == nil)
        #expect(try await fixture.registry.link(shop.id, to: 11, proof: .contact, phone: Self.shop.phone, now: moment)?.id == shop.id)
        #expect(try await fixture.registry.link(shop.id, to: 12, proof: .contact, phone: Self.shop.phone) == nil)  // already claimed
        #expect(try await fixture.registry.link(shop.id, to: 12, proof: .staff, phone: "", approvedBy: 900) == nil)  // staff neither
        #expect(try await fixture.registry.ownershipHistory(of: shop.id)
                == [OwnershipRecord(businessID: shop.id, ownerTelegramID: 11, proof: .contact, phone: Self.shop.phone, approvedBy: nil,
                                    createdAt: moment)])
        var reimported = Self.shop
        reimported.name = "Warung Makan Bu Rina"  // the agency's sheet, without a Telegram column
        try await fixture.registry.upsert(reimported)
        let stored = try #require(try await fixture.registry.business(id: shop.id))
        #expect(stored.ownerTelegramID == 11 && stored.name == "Warung Makan Bu Rina")
    }

    @Test("A shop closed today is hidden until local midnight, and can open again")
    func closedToday() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let (shop, _) = try await fixture.registry.upsert(Self.shop)
        let query = NearestQuery(origin: Self.here)
        let until = try await fixture.registry.closeToday(businessID: shop.id, now: .bontang(hour: 15))
        #expect(until == .bontang(hour: 0, day: 30))
        #expect(try await fixture.registry.nearest(query, at: .bontang(hour: 23, minute: 59)).isEmpty)
        #expect(try await fixture.registry.nearestByFullScan(query, at: .bontang(hour: 23, minute: 59)).isEmpty)
        #expect(try await fixture.registry.nearest(query, at: .bontang(hour: 0, day: 30)).count == 1)
        try await fixture.registry.closeToday(businessID: shop.id, now: .bontang(hour: 8, day: 30))
        try await fixture.registry.reopen(businessID: shop.id, now: .bontang(hour: 9, day: 30))
        #expect(try await fixture.registry.nearest(query, at: .bontang(hour: 9, day: 30)).count == 1)
    }

    @Test("A live check-in moves with its message's edits and ends when sharing stops; other messages move nothing")
    func liveCheckIn() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let (cart, _) = try await fixture.registry.upsert(Business(registryID: "M1", name: "Bakso", category: "bakso-mie", mode: .berkeliling,
                                                                   location: nil))
        let message = LiveMessage(chatID: 11, messageID: 5)
        let checkIn = try await fixture.registry.checkIn(businessID: cart.id, at: Self.here, source: .live, liveUntil: .bontang(hour: 13),
                                                         liveMessage: message, now: .bontang(hour: 10))
        #expect(checkIn.endsAt == .bontang(hour: 13))  // the live period, sooner than midnight
        let moved = GeoPoint(latitude: Self.here.latitude + 0.01, longitude: Self.here.longitude)
        #expect(try await fixture.registry.moveLiveCheckIn(following: LiveMessage(chatID: 11, messageID: 6), to: moved, now: .bontang(hour: 11)) == nil)
        #expect(try await fixture.registry.moveLiveCheckIn(following: message, to: moved, now: .bontang(hour: 11))?.id == cart.id)
        let found = try await fixture.registry.nearest(NearestQuery(origin: moved), at: .bontang(hour: 11, minute: 5))
        #expect(found.first?.distance ?? 1 < 1 && found.first?.isLive == true && found.first?.lastUpdate == .bontang(hour: 11))
        #expect(try await fixture.registry.endLiveCheckIn(following: message, now: .bontang(hour: 12))?.id == cart.id)
        #expect(try await fixture.registry.nearest(NearestQuery(origin: moved), at: .bontang(hour: 12, minute: 1)).isEmpty)
    }
}
