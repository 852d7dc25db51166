import Foundation
import GRDB
import LapakDatabase
@testable import LapakRegistry
import Testing

@Suite("Businesses are found by name: an FTS5 trigram index kept in step with the registry")
struct NameSearchTests {
    /// Bontang Kuala's pin.
    static let here = GeoPoint(latitude: 0.1335, longitude: 117.5081)

    static func north(_ metres: Double) -> GeoPoint {
        GeoPoint(latitude: here.latitude + metres / 111_195, longitude: here.longitude)
    }

    static let registry: [Business] = [
        Business(registryID: "J1", name: "Les Privat Bu Ani", category: "jasa", mode: .menetap, location: north(100)),
        Business(registryID: "J2", name: "Rental Pak Budi", category: "jasa", mode: .menetap, location: north(200)),
        Business(registryID: "J3", name: "Fotokopi Mas Joko", category: "jasa", mode: .menetap, location: north(900)),
        Business(registryID: "J4", name: "Jasa Tukang Eko", category: "jasa", mode: .menetap, location: north(300)),
        Business(registryID: "J5", name: "FOTOKOPI Cik Mei", category: "jasa", mode: .menetap, location: north(2_000)),
        Business(registryID: "E1", name: "Fotokopi & Servis HP Sari", category: "elektronik", mode: .menetap, location: north(1_500)),
    ]

    static let photocopy = NameQuery([["fotokopi"], ["fotocopy"]])

    @Test("System SQLite has FTS5 (pragma compile_options), which the name index needs")
    func fts5IsCompiledIn() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        let options = try await fixture.registry.database.writer.read { try String.fetchAll($0, sql: "PRAGMA compile_options") }
        #expect(options.contains("ENABLE_FTS5"))
    }

    @Test("A name query: matching names nearest first, whatever their kind, then the rest of the kind nearest first")
    func namesThenKind() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        _ = try await fixture.registry.upsertAll(Self.registry)
        let results = try await fixture.registry.nearest(NearestQuery(origin: Self.here, category: "jasa", limit: 10, names: Self.photocopy))
        #expect(results.map(\.business.registryID) == ["J3", "E1", "J5", "J1", "J2", "J4"])

        // Paging adds up across the two parts.
        let second = try await fixture.registry.nearest(NearestQuery(origin: Self.here, category: "jasa", limit: 2, offset: 2, names: Self.photocopy))
        #expect(second.map(\.business.registryID) == ["J5", "J1"])
        // Without a kind, only the names.
        let only = try await fixture.registry.nearest(NearestQuery(origin: Self.here, limit: 10, names: NameQuery([["mas", "joko"]])))
        #expect(only.map(\.business.registryID) == ["J3"])
    }

    @Test("A name on hundreds of businesses still gives the nearest of them, whatever order they were registered in")
    func commonNameNearestFirst() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        // Registered farthest first: the index hands its matches out in registration order.
        let many = (1...700).reversed().map { index in
            Business(registryID: "M\(index)", name: "Warung Mas Joko \(index)", category: "warung-makan", mode: .menetap,
                     location: Self.north(Double(index) * 10))
        }
        _ = try await fixture.registry.upsertAll(many)
        let results = try await fixture.registry.nearest(NearestQuery(origin: Self.here, limit: 3, names: NameQuery([["mas", "joko"]])))
        #expect(results.map(\.business.registryID) == ["M1", "M2", "M3"])
    }

    @Test("Renaming, deleting and importing keep the index in step")
    func indexFollowsTheRegistry() async throws {
        let fixture = try RegistryFixture()
        defer { fixture.remove() }
        _ = try await fixture.registry.upsertAll(Self.registry)
        let query = NearestQuery(origin: Self.here, limit: 10, names: NameQuery([["sablon"]]))
        #expect(try await fixture.registry.nearest(query).isEmpty)

        var renamed = Self.registry[1]
        renamed.name = "Sablon Pak Budi"
        _ = try await fixture.registry.upsertAll([renamed])
        #expect(try await fixture.registry.nearest(query).map(\.business.registryID) == ["J2"])
        let rental = NearestQuery(origin: Self.here, limit: 10, names: NameQuery([["rental"]]))
        #expect(try await fixture.registry.nearest(rental).isEmpty)

        let csv = "id,name,category,mode,latitude,longitude,kelurahan,address,phone,telegram_id,halal\nX1,Sablon Kaos Bontang,jahit,menetap,0.134,117.508,,,,,\n"
        _ = try await fixture.importer.importCSV(csv)
        #expect(try await fixture.registry.nearest(query).map(\.business.registryID) == ["X1", "J2"])

        try await fixture.registry.database.writer.write { db in
            try db.execute(sql: "DELETE FROM place WHERE business_id = (SELECT id FROM business WHERE registry_id = 'X1')")
            try db.execute(sql: "DELETE FROM business WHERE registry_id = 'X1'")
        }
        let rows = try await fixture.registry.database.writer.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM business_name WHERE business_name MATCH 'sablon'")
        }
        #expect(rows == 1)
        // FTS5's own check: the index is consistent.
        try await fixture.registry.database.writer.write { try $0.execute(sql: "INSERT INTO business_name(business_name) VALUES ('integrity-check')") }
    }
}
