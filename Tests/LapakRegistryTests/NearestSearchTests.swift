import Foundation
import LapakRegistry
import Testing

@Suite("Nearest search")
struct NearestSearchTests {
    /// A random registry: clustered and scattered points, some exact duplicates (ties), a few suspended.
    static func randomRegistry(_ fixture: RegistryFixture, seed: UInt64, count: Int) async throws -> [Business] {
        var random = SplitMix64(seed: seed)
        let slugs = ["katering", "bakso-mie", "jahit", "laundry", "kue"]  // "ikan" stays empty on purpose
        var businesses: [Business] = []
        var previous: GeoPoint?
        for index in 0..<count {
            var point = GeoPoint(latitude: 0.05 + random.unit() * 0.14, longitude: 117.44 + random.unit() * 0.07)
            if let earlier = previous, random.unit() < 0.1 { point = earlier }  // an exact tie
            previous = point
            let business = Business(registryID: "R\(index)", name: "Usaha \(index)", category: slugs[Int(random.next() % 5)],
                                    mode: .menetap, location: point, halal: random.unit() < 0.4)
            businesses.append(try await fixture.registry.upsert(business, at: .bontang(hour: 8)).0)
        }
        for business in businesses where random.unit() < 0.05 {
            try await fixture.registry.setStatus(.suspended, ofBusiness: business.id)
        }
        return businesses
    }

    @Test("The R*Tree search returns exactly what a brute-force scan returns", arguments: [UInt64(1), 2, 3])
    func matchesBruteForce(seed: UInt64) async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        _ = try await Self.randomRegistry(fixture, seed: seed, count: 400)
        var random = SplitMix64(seed: seed &* 7919)
        let categories: [String?] = [nil, "katering", "bakso-mie", "ikan", "jahit"]
        for trial in 0..<60 {
            // Points in the city, on its edge, and well outside it (Samarinda, Jakarta).
            let origin: GeoPoint
            switch trial % 6 {
            case 4: origin = GeoPoint(latitude: -0.5022, longitude: 117.1536)
            case 5: origin = GeoPoint(latitude: -6.2, longitude: 106.8)
            default: origin = GeoPoint(latitude: 0.03 + random.unit() * 0.18, longitude: 117.42 + random.unit() * 0.11)
            }
            let query = NearestQuery(origin: origin, category: categories[trial % categories.count], halalOnly: trial % 3 == 0,
                                     limit: [1, 5, 10, 500][trial % 4], offset: [0, 0, 5, 3][trial % 4],
                                     maxDistance: trial % 6 == 5 ? 2_000_000 : 25_000)
            let fast = try await fixture.registry.nearest(query, at: .bontang(hour: 9))
            let slow = try await fixture.registry.nearestByFullScan(query, at: .bontang(hour: 9))
            #expect(fast.map(\.business.registryID) == slow.map(\.business.registryID), "trial \(trial): \(query)")
            #expect(fast.map(\.distance) == slow.map(\.distance))
            #expect(zip(fast, fast.dropFirst()).allSatisfy { $0.distance <= $1.distance })
            #expect(fast.allSatisfy { $0.business.status == .active })
        }
    }

    @Test("Distances are exact to the metre, from the stored doubles")
    func exactDistances() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let shop = GeoPoint(latitude: 0.133_500, longitude: 117.508_100)
        try await fixture.registry.upsert(Business(registryID: "A", name: "Katering Bu Ani", category: "katering", mode: .menetap, location: shop))
        // 0.0001° of latitude is 11.1195 m: far below the R*Tree's float32 step would blur it otherwise.
        let origin = GeoPoint(latitude: 0.133_600, longitude: 117.508_100)
        let result = try #require(try await fixture.registry.nearest(NearestQuery(origin: origin)).first)
        #expect(abs(result.distance - 11.1195) < 0.001)
        #expect(result.position == shop)
    }

    @Test("Nothing beyond the maximum distance, paging walks on, a limit larger than the category returns all")
    func pagingAndLimits() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        for index in 0..<12 {
            let point = GeoPoint(latitude: 0.10 + Double(index) * 0.001, longitude: 117.48)
            try await fixture.registry.upsert(Business(registryID: "L\(index)", name: "Laundry \(index)", category: "laundry", mode: .menetap, location: point))
        }
        let origin = GeoPoint(latitude: 0.10, longitude: 117.48)
        let first = try await fixture.registry.nearest(NearestQuery(origin: origin, category: "laundry", limit: 5))
        let second = try await fixture.registry.nearest(NearestQuery(origin: origin, category: "laundry", limit: 5, offset: 5))
        #expect(first.map(\.business.registryID) == (0..<5).map { "L\($0)" })
        #expect(second.map(\.business.registryID) == (5..<10).map { "L\($0)" })
        #expect(try await fixture.registry.nearest(NearestQuery(origin: origin, category: "laundry", limit: 50)).count == 12)
        #expect(try await fixture.registry.nearest(NearestQuery(origin: origin, category: "laundry", limit: 50, maxDistance: 500)).count == 5)
        #expect(try await fixture.registry.nearest(NearestQuery(origin: origin, category: "salon")).isEmpty)
    }
}
