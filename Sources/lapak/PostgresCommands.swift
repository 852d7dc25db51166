import Foundation
import LapakBot
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO

/// `lapak import` and `lapak export` on PostgreSQL (`database.url`): the same reading, checks and files as
/// on SQLite, through the PostgreSQL session.
enum PostgresCommands {
    /// `lapak import` into PostgreSQL: the rows stored in one transaction (the schema migrated first).
    ///
    /// A row updates a stored business's record; its status, verification and source stay as stored, which
    /// is what SQLite does for a sheet without those columns.
    static func importCSV(_ text: String, settings: LapakConfiguration, progress: @escaping @Sendable (Int, Int) -> Void) async throws -> ImportSummary {
        _ = try await PostgresMigrations.migrate(url: settings.databaseURL, logger: logger)
        return try await withTransactions(settings) { transactions, taxonomy in
            let importer = RegistryImporter(taxonomy: taxonomy, region: settings.region) { rows, now, progress in
                try await transactions.write { session in
                    try session.upsertAll(rows.map(\.0), now: now, progress: progress)
                }
            }
            return try await importer.importCSV(text, progress: progress)
        }
    }

    /// `lapak export` from PostgreSQL: every table read in one read-only snapshot, so the rows of a table
    /// agree with each other while workers keep writing.
    static func export(_ table: Lapak.Export.Table, format: Lapak.Export.Format, settings: LapakConfiguration) async throws -> RegistryExport {
        try await withTransactions(settings) { transactions, _ in
            try await transactions.write { session in
                try session.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return try RegistryExport.make(table, format: format, from: session, taxonomy: session.taxonomy, timeZone: session.timeZone)
            }
        }
    }

    private static let logger = Logger(label: "lapak")

    /// Runs `body` with transactions on `database.url`, the pool running meanwhile.
    private static func withTransactions<T: Sendable>(_ settings: LapakConfiguration,
                                                      _ body: @escaping @Sendable (PostgresTransactions, CategoryTaxonomy) async throws -> T) async throws -> T {
        let taxonomy = try CategoryTaxonomy.load(from: settings.intentsDirectory.appendingPathComponent("categories.yml"))
        let store = try PostgresStore(url: settings.databaseURL, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await store.client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(PostgresTransactions(store: store, threads: .singleton, taxonomy: taxonomy, timeZone: settings.timeZone), taxonomy)
        }
    }
}
