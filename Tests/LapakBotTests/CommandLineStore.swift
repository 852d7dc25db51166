import Foundation
import GRDB
import LapakDatabase
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO
import Testing

/// A fresh registry of either store for a test of a `lapak` command, and the environment that points the
/// command at it: a SQLite file (`LAPAK_DATABASE_PATH`) or a PostgreSQL database (`LAPAK_DATABASE_URL`).
struct CommandLineStore: Sendable {
    let kind: BotStoreKind
    /// What `CommandLineTests.run` needs in its environment to reach this store.
    let environment: [String: String]
    private let sqlite: Registry?
    private let postgres: PostgresTransactions?

    static let taxonomy: CategoryTaxonomy = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../intents/categories.yml").standardized
        return try! CategoryTaxonomy.load(from: url)
    }()
    static let timeZone = TimeZone(identifier: "Asia/Makassar")!

    /// Runs `body` with a fresh, migrated store of `kind`, removed afterwards.
    static func with(_ kind: BotStoreKind, _ body: (CommandLineStore) async throws -> Void) async throws {
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-cli-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let path = folder.appendingPathComponent("lapak.sqlite").path
            let registry = Registry(database: try AppDatabase.open(path: path), taxonomy: taxonomy, timeZone: timeZone)
            try await body(CommandLineStore(kind: kind, environment: ["LAPAK_DATABASE_PATH": path], sqlite: registry, postgres: nil))
        case .postgres:
            let database = try await WorkerDatabase.make()
            defer { database.drop() }
            let logger = Logger(label: "command-line-store")
            _ = try await PostgresMigrations.migrate(url: database.url, logger: logger)
            let store = try PostgresStore(url: database.url, logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.client.run() }
                defer { group.cancelAll() }
                let transactions = PostgresTransactions(store: store, taxonomy: taxonomy, timeZone: timeZone)
                // A path that does not exist: the command must not fall back to a SQLite file.
                let environment = ["LAPAK_DATABASE_URL": database.url, "LAPAK_DATABASE_PATH": "/nonexistent/lapak.sqlite"]
                try await body(CommandLineStore(kind: kind, environment: environment, sqlite: nil, postgres: transactions))
            }
        }
    }

    /// Runs `body` on the store in one committed transaction and returns what it returns (assert outside
    /// the body: on PostgreSQL it runs on a thread of its own, outside the test's task).
    func write<T: Sendable>(_ body: @escaping @Sendable (any RegistryStore) throws -> T) async throws -> T {
        if let sqlite {
            return try await sqlite.database.writer.write { db in try body(sqlite.session(db)) }
        }
        return try await postgres!.write { session in try body(session) }
    }
}
