import Foundation
import GRDB
import LapakPostgres
import LapakRegistry
import PostgresNIO
import Testing

/// Set-up the overflow-order and halal suites share: businesses seeded on either store, and the few
/// plain SQL statements the store protocols do not cover (ids by registry id, apprenticeships, marks).
enum ProgrammeStoreFixture {
    /// 2026-11-29 12:00 in Bontang (WITA).
    static let noon = Date(timeIntervalSince1970: 1_795_924_800)

    /// A shop of `category` `degrees` of latitude north of `origin` (0.001° is 111 m), owned by `owner`.
    static func business(_ registryID: String, _ category: String, northOf origin: GeoPoint, by degrees: Double, owner: Int64?,
                         verified: Bool = true, halal: Bool = false, status: BusinessStatus = .active) -> Business {
        Business(registryID: registryID, name: "Usaha \(registryID)", category: category, mode: .menetap,
                 location: GeoPoint(latitude: origin.latitude + degrees, longitude: origin.longitude), kelurahan: "Api-Api",
                 ownerTelegramID: owner, halal: halal, status: status, verified: verified)
    }

    /// Seeds `businesses` on `store` (created at `now`) and returns them with their row ids, by registry id.
    static func seed(_ businesses: [Business], on store: StoreUnderTest, now: Date = noon) async throws -> [String: Business] {
        try await store.seed(businesses, now: now)
        return try await store.write { session in
            var stored: [String: Business] = [:]
            for var business in businesses {
                guard let id = try session.setUpScalar("SELECT id FROM business WHERE registry_id = '\(business.registryID)'") else {
                    throw FixtureError("\(business.registryID) was not stored")
                }
                business.id = id
                stored[business.registryID] = business
            }
            return stored
        }
    }
}

extension SessionUnderTest {
    /// Runs a statement of set-up on either store (values written into the SQL: test constants only).
    func runSetUp(_ sql: String) throws {
        if let db = sqliteDatabase as? Database {
            try db.execute(sql: sql)
        } else {
            try store(PostgresSession.self).execute(PostgresQuery(unsafeSQL: sql))
        }
    }

    /// The first column of the first row of `sql`, as a whole number, on either store.
    func setUpScalar(_ sql: String) throws -> Int64? {
        if let db = sqliteDatabase as? Database { return try Int64.fetchOne(db, sql: sql) }
        return try store(PostgresSession.self).one(PostgresQuery(unsafeSQL: sql), as: Int64?.self) ?? nil
    }

    /// Whether business `id` carries the halal certificate mark.
    func hasHalalMark(_ id: Int64) throws -> Bool {
        if let db = sqliteDatabase as? Database { return try Bool.fetchOne(db, sql: "SELECT halal FROM business WHERE id = ?", arguments: [id]) ?? false }
        return try store(PostgresSession.self).one("SELECT halal FROM business WHERE id = \(id)", as: Bool.self) ?? false
    }
}
