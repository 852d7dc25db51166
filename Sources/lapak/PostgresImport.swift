import Foundation
import LapakBot
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO

/// `lapak import` into PostgreSQL (`database.url`): the same reading and checks as for SQLite, the rows
/// stored through the PostgreSQL session in one transaction (the schema migrated first).
///
/// A row updates a stored business's record; its status, verification and source stay as stored, which
/// is what SQLite does for a sheet without those columns.
enum PostgresImport {
    static func run(_ text: String, settings: LapakConfiguration, progress: @escaping @Sendable (Int, Int) -> Void) async throws -> ImportSummary {
        let logger = Logger(label: "lapak")
        _ = try await PostgresMigrations.migrate(url: settings.databaseURL, logger: logger)
        let taxonomy = try CategoryTaxonomy.load(from: settings.intentsDirectory.appendingPathComponent("categories.yml"))
        let store = try PostgresStore(url: settings.databaseURL, logger: logger)
        return try await withThrowingTaskGroup(of: ImportSummary?.self) { group in
            group.addTask { await store.client.run(); return nil }
            defer { group.cancelAll() }
            let transactions = PostgresTransactions(store: store, threads: .singleton, taxonomy: taxonomy, timeZone: settings.timeZone)
            let importer = RegistryImporter(taxonomy: taxonomy, region: settings.region) { rows, now, progress in
                try await transactions.write { session in
                    try session.upsertAll(rows.map(\.0), now: now, progress: progress)
                }
            }
            return try await importer.importCSV(text, progress: progress)
        }
    }
}
