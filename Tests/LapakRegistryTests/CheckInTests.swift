import Foundation
import LapakRegistry
import Testing

@Suite("Check-ins and visibility")
struct CheckInTests {
    static let cart = Business(registryID: "M1", name: "Bakso Mas Joko", category: "bakso-mie", mode: .berkeliling, location: nil)
    static let here = GeoPoint(latitude: 0.1335, longitude: 117.5081)

    @Test("A mobile vendor is found only while checked in, and the check-in ends at local midnight (WITA)")
    func expiresAtLocalMidnight() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let (cart, _) = try await fixture.registry.upsert(Self.cart)
        let query = NearestQuery(origin: Self.here, category: "bakso-mie")
        #expect(try await fixture.registry.nearest(query, at: .bontang(hour: 9)).isEmpty)

        let checkIn = try await fixture.registry.checkIn(businessID: cart.id, at: Self.here, now: .bontang(hour: 10, minute: 15))
        #expect(checkIn.endsAt == .bontang(hour: 0, day: 30))
        let found = try await fixture.registry.nearest(query, at: .bontang(hour: 23, minute: 59))
        #expect(found.first?.business.registryID == "M1")
        #expect(found.first?.checkedInSince == .bontang(hour: 10, minute: 15))
        #expect(try await fixture.registry.nearest(query, at: .bontang(hour: 0, day: 30)).isEmpty)
        #expect(try await fixture.registry.purgeExpiredPlaces(now: .bontang(hour: 1, day: 30)) == 1)
    }

    @Test("A check-in ended with /tutup is never returned; a live check-in follows the cart")
    func endedAndMoved() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let (cart, _) = try await fixture.registry.upsert(Self.cart)
        try await fixture.registry.checkIn(businessID: cart.id, at: Self.here, source: .live, liveUntil: .bontang(hour: 18), now: .bontang(hour: 14))
        let moved = GeoPoint(latitude: 0.1443, longitude: 117.4938)
        #expect(try await fixture.registry.moveCheckIn(businessID: cart.id, to: moved, now: .bontang(hour: 15)))
        let found = try await fixture.registry.nearest(NearestQuery(origin: moved), at: .bontang(hour: 15, minute: 1))
        #expect(found.first?.position == moved && found.first!.distance < 1)
        #expect(try await fixture.registry.nearest(NearestQuery(origin: moved), at: .bontang(hour: 18)).isEmpty)  // live period over

        try await fixture.registry.checkIn(businessID: cart.id, at: Self.here, now: .bontang(hour: 19))
        #expect(try await fixture.registry.checkOut(businessID: cart.id, now: .bontang(hour: 20)))
        #expect(try await fixture.registry.nearest(NearestQuery(origin: Self.here), at: .bontang(hour: 20, minute: 1)).isEmpty)
    }

    @Test("Suspended businesses are never returned, and return when reactivated")
    func suspended() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let (shop, _) = try await fixture.registry.upsert(Business(registryID: "S1", name: "Salon Cik Mei", category: "salon", mode: .menetap, location: Self.here))
        try await fixture.registry.setStatus(.suspended, ofBusiness: shop.id)
        #expect(try await fixture.registry.nearest(NearestQuery(origin: Self.here)).isEmpty)
        try await fixture.registry.setStatus(.active, ofBusiness: shop.id)
        #expect(try await fixture.registry.nearest(NearestQuery(origin: Self.here)).count == 1)
    }

    @Test("Only active mobile vendors check in")
    func onlyMobile() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let (shop, _) = try await fixture.registry.upsert(Business(registryID: "F1", name: "Toko", category: "kelontong", mode: .menetap, location: Self.here))
        await #expect(throws: RegistryError.notMobile("Toko")) { try await fixture.registry.checkIn(businessID: shop.id, at: Self.here) }
    }

    @Test("Distances read as people write them", arguments: [
        (350.0, true, "350 m"), (1234.0, true, "1,2 km"), (1234.0, false, "1.2 km"), (3.0, true, "10 m"), (15_600.0, true, "16 km"),
    ])
    func distanceFormat(metres: Double, comma: Bool, text: String) {
        #expect(DistanceFormat.string(metres: metres, decimalComma: comma) == text)
    }

    @Test("The sample registry is deterministic, labelled synthetic and about a third mobile")
    func sample() {
        let one = SampleRegistry(count: 2000, seed: 9).businesses()
        #expect(one == SampleRegistry(count: 2000, seed: 9).businesses())
        #expect(one.allSatisfy { $0.registryID.hasPrefix("SYN-") })
        let mobileShare = Double(one.filter { $0.mode == .berkeliling }.count) / 2000
        #expect((0.25...0.42).contains(mobileShare))
        #expect(Set(one.map(\.kelurahan)).count == 15)
        #expect(Set(one.map(\.category)).count == 16)
        #expect(one.contains { $0.name.contains("&") } && one.contains { $0.name.contains("<") } && one.contains { $0.name.contains("\"") })
    }
}
