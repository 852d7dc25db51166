import Foundation
import LapakPostgres
import Logging
import PostgresNIO

/// A fresh PostgreSQL database (with PostGIS) for one test, from the cluster `scripts/with-postgres.sh`
/// starts; `make test` runs the suite inside it.
struct PostgresFixture {
    let store: PostgresStore
    let name: String
    /// The URL of this test's database.
    let url: String
    private let running: Task<Void, Never>
    private let admin: PostgresStore
    private let adminRunning: Task<Void, Never>

    /// The cluster's URL; a missing one fails the test (a skipped PostgreSQL suite would hide a broken store).
    static func clusterURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["LAPAK_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw FixtureError("LAPAK_TEST_POSTGRES_URL is not set: run the tests with `make test`, or `scripts/with-postgres.sh swift test`")
        }
        return url
    }

    /// Creates database `lapak_test_<random>` from the PostGIS template and opens a store on it.
    static func make() async throws -> PostgresFixture {
        let url = try clusterURL()
        let logger = Logger(label: "postgres-test")
        let admin = try PostgresStore(url: url, logger: logger)
        let adminRunning = Task { await admin.client.run() }
        let name = "lapak_test_\(UUID().uuidString.prefix(8).lowercased())"
        try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE lapak_template"), logger: logger)
        var components = URLComponents(string: url)!
        components.path = "/\(name)"
        let store = try PostgresStore(url: components.string!, logger: logger)
        let running = Task { await store.client.run() }
        return PostgresFixture(store: store, name: name, url: components.string!, running: running, admin: admin, adminRunning: adminRunning)
    }

    /// Closes the pool and drops the database.
    func remove() async {
        running.cancel()
        _ = await running.value
        _ = try? await admin.client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        adminRunning.cancel()
        _ = await adminRunning.value
    }

    /// Runs `body` with a fresh database, removing it afterwards whatever happens.
    static func with(_ body: (PostgresFixture) async throws -> Void) async throws {
        let fixture = try await make()
        do {
            try await body(fixture)
        } catch {
            await fixture.remove()
            throw error
        }
        await fixture.remove()
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
