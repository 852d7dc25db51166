import Foundation
import GRDB
import LapakDatabase
import LapakPostgres
import LapakRegistry
import Logging
import NIOPosix
import PostgresNIO
import Testing

/// The two stores the bot's handlers run on; store-level suites run the same test against both
/// (`@Test(arguments: StoreKind.allCases)`), so the PostgreSQL implementations answer as SQLite does.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// One session of either store, handed to a test's body inside its transaction.
struct SessionUnderTest {
    let kind: StoreKind
    /// `Registry.Session` (SQLite) or `PostgresSession`.
    let base: Any
    /// SQLite's other per-transaction stores (dialogs, preferences), which are separate types there.
    let sqliteDatabase: AnyObject?

    /// The session as store protocol `P` (`any CheckInStore`, `any CoachingStore`, …).
    func store<P>(_ type: P.Type = P.self) -> P {
        guard let store = base as? P else { fatalError("\(kind) session does not implement \(P.self)") }
        return store
    }
}

/// A fresh, migrated store of one kind for one test: a SQLite file in a temporary folder, or a PostgreSQL
/// database made from the cluster's PostGIS template.
struct StoreUnderTest: Sendable {
    let kind: StoreKind
    private let sqlite: Registry?
    private let postgres: PostgresTransactions?

    static let timeZone = TimeZone(identifier: "Asia/Makassar")!

    /// Runs `body` with a fresh store of `kind`, removing it afterwards whatever happens.
    static func with(_ kind: StoreKind, _ body: (StoreUnderTest) async throws -> Void) async throws {
        let taxonomy = PostgresRegistryTests.taxonomy
        switch kind {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lapak-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let database = try AppDatabase.open(path: folder.appendingPathComponent("lapak.sqlite").path)
            let registry = Registry(database: database, taxonomy: taxonomy, timeZone: timeZone)
            try await body(StoreUnderTest(kind: kind, sqlite: registry, postgres: nil))
        case .postgres:
            try await PostgresFixture.with { fixture in
                try await PostgresMigrations.migrate(fixture.store)
                let transactions = PostgresTransactions(store: fixture.store, taxonomy: taxonomy, timeZone: timeZone)
                try await body(StoreUnderTest(kind: kind, sqlite: nil, postgres: transactions))
            }
        }
    }

    /// Stores `businesses` (upsert by registry id, with their places in the search index) and their owners'
    /// Telegram ids, in one transaction.
    func seed(_ businesses: [Business], now: Date = Date()) async throws {
        if let sqlite {
            _ = try await sqlite.upsertAll(businesses, now: now)
            return
        }
        try await PostgresRegistry(store: postgres!.store).upsertAll(businesses, now: now)
        let owned = businesses.compactMap { business in business.ownerTelegramID.map { (business.registryID, $0) } }
        guard !owned.isEmpty else { return }
        _ = try await postgres!.write { session in
            for (registryID, owner) in owned {
                try session.execute("UPDATE business SET owner_telegram_id = \(owner) WHERE registry_id = \(registryID)")
            }
        }
    }

    /// Runs `body` in one committed transaction of the store.
    func write<T: Sendable>(_ body: @escaping @Sendable (SessionUnderTest) throws -> T) async throws -> T {
        if let sqlite {
            return try await sqlite.database.writer.write { db in
                try body(SessionUnderTest(kind: .sqlite, base: sqlite.session(db), sqliteDatabase: db))
            }
        }
        return try await postgres!.store.writeInTask { session in
            try body(SessionUnderTest(kind: .postgres, base: session, sqliteDatabase: nil))
        }
    }
}

extension PostgresStore {
    /// Runs `body` in one committed transaction (rolled back when it throws), in the calling task.
    ///
    /// `PostgresTransactions.write` runs its body as work submitted to a thread pool, outside any task, so
    /// an `#expect` failing there is reported as "Test «unknown»". Here the body waits for PostgreSQL on a
    /// pool thread too, but by executor preference, as part of the test's own task, so its issues are the test's.
    func writeInTask<T: Sendable>(_ body: (PostgresSession) throws -> T) async throws -> T {
        let logger = Logger(label: "store-under-test")
        return try await client.withTransaction(logger: logger) { connection in
            try await withTaskExecutorPreference(PoolTaskExecutor.shared) {
                try body(PostgresSession(connection: connection, taxonomy: PostgresRegistryTests.taxonomy, timeZone: StoreUnderTest.timeZone,
                                         logger: logger))
            }
        }
    }
}

/// A task executor on the threads of `NIOThreadPool.singleton`: a task that prefers it may block there
/// waiting for PostgreSQL (never on Swift's cooperative pool) and stays the same task, so task-local
/// values (Swift Testing's current test) reach the synchronous body.
final class PoolTaskExecutor: TaskExecutor {
    static let shared = PoolTaskExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        NIOThreadPool.singleton.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
