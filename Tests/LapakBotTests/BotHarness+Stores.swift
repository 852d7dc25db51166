import Foundation
import LapakBot
import LapakDatabase
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO

/// The application a harness runs, for services a test runs beside it (the HTTP server).
enum RunningBot {
    /// The daemon on its SQLite file.
    case sqlite(LapakApplication)
    /// One worker on the harness's PostgreSQL database.
    case postgres(LapakPostgresApplication)
}

extension BotHarness {
    /// The registry's categories and "today"'s zone, as the bot loads them by default.
    static let taxonomy = try! CategoryTaxonomy.load(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../intents/categories.yml").standardized)
    static let timeZone = TimeZone(identifier: "Asia/Makassar")!
    static let storeLogger = Logger(label: "harness-stores")

    /// Runs `body` in one committed transaction of the bot's store, whichever it is: the SQLite file
    /// (`BotStores.sqlite`) or the PostgreSQL database (`BotStores.postgres`, migrated first), through the
    /// same protocols the handlers use. Works while the bot runs and between runs.
    ///
    /// The body runs in the calling task (on PostgreSQL on a pool thread by executor preference), so an
    /// `#expect` in it is attributed to the test; still, prefer returning values and asserting outside.
    func stores<T: Sendable>(_ body: @escaping @Sendable (BotStores) throws -> T) async throws -> T {
        guard let postgres else {
            let registry = Registry(database: try AppDatabase.open(path: databasePath), taxonomy: Self.taxonomy, timeZone: Self.timeZone)
            return try await SQLiteBotTransactions(registry: registry).write(body)
        }
        return try await onPostgres { store in
            _ = try await PostgresMigrations.migrate(store)
            return try await store.client.withTransaction(logger: Self.storeLogger) { connection in
                try await withTaskExecutorPreference(PoolTaskExecutor.shared) {
                    try body(.postgres(PostgresSession(connection: connection, taxonomy: Self.taxonomy, timeZone: Self.timeZone, logger: Self.storeLogger)))
                }
            }
        }
    }

    /// Whether the bot has marked update `updateID` handled in its inbox (SQLite's or PostgreSQL's).
    func isHandled(_ updateID: Int64) async throws -> Bool {
        guard postgres != nil else { return try await SQLiteUpdateInbox(database: try AppDatabase.open(path: databasePath)).isHandled(updateID) }
        return try await onPostgres { store in try await PostgresUpdateInbox(store: store).isHandled(updateID) }
    }

    /// How many replies wait in the bot's reply outbox, unsent (read without claiming them).
    func pendingReplies() async throws -> Int {
        guard postgres != nil else { return try await ReplyOutbox(database: try AppDatabase.open(path: databasePath)).undeliveredReplies().count }
        return try await onPostgres { store in
            for try await count in try await store.client.query("SELECT count(*) FROM reply_outbox WHERE state = 'pending'", logger: Self.storeLogger)
                .decode(Int64.self) { return Int(count) }
            return 0
        }
    }

    /// Runs `body` with a running pool on the harness's PostgreSQL database.
    private func onPostgres<T: Sendable>(_ body: (PostgresStore) async throws -> T) async throws -> T {
        guard let postgres else { throw HarnessError("not a PostgreSQL harness") }
        let store = try PostgresStore(url: postgres.url, logger: Self.storeLogger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await store.client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    /// The business with `registryID` as stored now, on either store.
    func business(_ registryID: String) async throws -> Business? {
        try await stores { try $0.registry.business(registryID: registryID) }
    }

    /// The registry's id of the business with `registryID`; fails the test when there is none.
    func businessID(_ registryID: String) async throws -> Int64 {
        guard let business = try await business(registryID) else { throw HarnessError("no business \(registryID)") }
        return business.id
    }
}

/// A task executor on the threads of `NIOThreadPool.singleton`: a task that prefers it may block there
/// waiting for PostgreSQL (never on Swift's cooperative pool), and stays the same task, so task-local
/// values (Swift Testing's current test) are seen by the synchronous body.
final class PoolTaskExecutor: TaskExecutor {
    static let shared = PoolTaskExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        NIOThreadPool.singleton.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
