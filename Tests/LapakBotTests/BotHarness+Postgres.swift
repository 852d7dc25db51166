import Foundation
import LapakBot
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import TelegramBotAPI
import Testing

/// Which store a bot-level test runs the bot on; conversation suites run on both.
enum BotStoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

extension BotHarness {
    /// Runs one PostgreSQL worker (`LapakPostgresApplication`, long polling) while `body` talks to it.
    func runWorker(_ settings: LapakConfiguration, seed: [Business], checkIns: [(registryID: String, position: GeoPoint)],
                   now: @escaping @Sendable () -> Date, logger: Logger, alongside extra: (RunningBot) -> [any Service],
                   _ body: () async throws -> Void) async throws {
        _ = try await PostgresMigrations.migrate(url: settings.databaseURL, logger: logger)
        if !seed.isEmpty || !checkIns.isEmpty {
            // Stored as the SQLite harness does through `Registry`.
            _ = try await stores { stores in
                _ = try stores.registry.upsertAll(seed, now: Date(), progress: { _, _ in })
                for checkIn in checkIns {
                    guard let business = try stores.registry.business(registryID: checkIn.registryID) else { continue }
                    _ = try stores.registry.checkIn(businessID: business.id, at: checkIn.position, accuracy: nil, source: .location, liveUntil: nil,
                                                    liveMessage: nil, now: Date())
                }
                return 0
            }
        }
        let application = try LapakPostgresApplication(configuration: settings, now: now, logger: logger)
        try await Self.run(application.services + extra(.postgres(application)), transport: application.transport, logger: logger, body)
    }
}

/// A throwaway PostgreSQL database for a test that runs `lapak` processes against it.
struct WorkerDatabase {
    let url: String
    let name: String
    let cluster: String

    /// Creates `lapak_workers_<random>` from the cluster's PostGIS template (`scripts/with-postgres.sh`); a missing cluster fails.
    static func make() async throws -> WorkerDatabase {
        guard let cluster = ProcessInfo.processInfo.environment["LAPAK_TEST_POSTGRES_URL"], !cluster.isEmpty else {
            throw WorkerDatabaseError("LAPAK_TEST_POSTGRES_URL is not set: run the tests with `make test`, or `scripts/with-postgres.sh swift test`")
        }
        let name = "lapak_workers_\(UUID().uuidString.prefix(8).lowercased())"
        try await admin(cluster, "CREATE DATABASE \(name) TEMPLATE lapak_template")
        var components = URLComponents(string: cluster)!
        components.path = "/\(name)"
        return WorkerDatabase(url: components.string!, name: name, cluster: cluster)
    }

    /// Drops the database (its connections first), in the background of the test's end.
    func drop() {
        let cluster = cluster, name = name
        Task { try? await Self.admin(cluster, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    private static func admin(_ url: String, _ sql: String) async throws {
        let store = try PostgresStore(url: url, logger: Logger(label: "postgres-admin"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await store.client.run() }
            defer { group.cancelAll() }
            try await store.client.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "postgres-admin"))
        }
    }
}

struct WorkerDatabaseError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A TCP port that was free a moment ago on 127.0.0.1 (the kernel picks it; the socket is closed again).
enum FreePort {
    static func pick() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw WorkerDatabaseError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw WorkerDatabaseError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
