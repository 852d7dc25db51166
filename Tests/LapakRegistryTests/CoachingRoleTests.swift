import Foundation
import LapakRegistry
import Testing

@Suite("Coaching roles: beginners wanting coaching and mentors with room")
struct CoachingRoleTests {
    static let here = GeoPoint(latitude: 0.1443, longitude: 117.4938)

    static func business(_ name: String, _ category: String, kelurahan: String) -> Business {
        Business(registryID: "", name: name, category: category, mode: .menetap, location: here, kelurahan: kelurahan, phone: "")
    }

    @Test("Beginners are listed by kind and kelurahan, oldest declaration first; mentors and suspended ones are not")
    func beginnersByKindAndKelurahan() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let registry = fixture.registry
        let early = try await registry.enroll(Self.business("Katering Ani", "katering", kelurahan: "Api-Api"), owner: 1)
        let late = try await registry.enroll(Self.business("Katering Budi", "katering", kelurahan: "Api-Api"), owner: 2)
        let elsewhere = try await registry.enroll(Self.business("Katering Citra", "katering", kelurahan: "Gunung Elai"), owner: 3)
        let mentor = try await registry.enroll(Self.business("Katering Lama", "katering", kelurahan: "Api-Api"), owner: 4)
        let suspended = try await registry.enroll(Self.business("Katering Dewi", "katering", kelurahan: "Api-Api"), owner: 5)
        try await registry.setCoachingRole(.beginner, ofBusiness: late.id, now: .bontang(hour: 10))
        try await registry.setCoachingRole(.beginner, ofBusiness: early.id, now: .bontang(hour: 9))
        try await registry.setCoachingRole(.beginner, ofBusiness: elsewhere.id, now: .bontang(hour: 8))
        try await registry.setCoachingRole(.beginner, ofBusiness: suspended.id, now: .bontang(hour: 8))
        try await registry.setCoachingRole(.mentor, capacity: 3, ofBusiness: mentor.id, now: .bontang(hour: 8))
        try await registry.setStatus(.suspended, ofBusiness: suspended.id)

        let inApiApi = try await registry.beginners(category: "katering", kelurahan: "Api-Api").map(\.name)
        #expect(inApiApi == ["Katering Ani", "Katering Budi"])
        let allKatering = try await registry.beginners(category: "katering").map(\.name)
        #expect(allKatering == ["Katering Citra", "Katering Ani", "Katering Budi"])
        #expect(try await registry.coachingProfile(ofBusiness: mentor.id)?.capacity == 3)
    }

    @Test("A mentor's capacity must be 1–20; a changed capacity keeps the date the role was declared")
    func mentorCapacity() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let registry = fixture.registry
        let shop = try await registry.enroll(Self.business("Bakso Pak Joko", "bakso-mie", kelurahan: "Api-Api"), owner: 1)
        await #expect(throws: CoachingRoleError.self) { try await registry.setCoachingRole(.mentor, capacity: 0, ofBusiness: shop.id) }
        await #expect(throws: CoachingRoleError.self) { try await registry.setCoachingRole(.mentor, capacity: 21, ofBusiness: shop.id) }
        #expect(try await registry.coachingProfile(ofBusiness: shop.id) == nil)
        try await registry.setCoachingRole(.mentor, capacity: 2, ofBusiness: shop.id, now: .bontang(hour: 8))
        try await registry.setCoachingRole(.mentor, capacity: 5, ofBusiness: shop.id, now: .bontang(hour: 12))
        let profile = try #require(try await registry.coachingProfile(ofBusiness: shop.id))
        #expect(profile.capacity == 5 && profile.since == .bontang(hour: 8))
        try await registry.setCoachingRole(.beginner, ofBusiness: shop.id, now: .bontang(hour: 13))
        let changed = try #require(try await registry.coachingProfile(ofBusiness: shop.id))
        #expect(changed.role == .beginner && changed.capacity == 0 && changed.since == .bontang(hour: 13))
    }
}
