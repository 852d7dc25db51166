import GRDB
import GRDBSQLite
import LapakDatabase
import LapakRegistry
import Synchronization

/// The registry's version for every site request, read again only when some connection has committed since.
///
/// Every answer asks the version (`AppDatabase.registryVersion`) so that a check-in shows in the very next one.
/// Through GRDB that is a reader from the pool, a dispatch onto its queue, BEGIN, a schema check, the point read
/// and COMMIT: about a ninth of a bbox answer's CPU. This keeps one read-only SQLite connection of its own and
/// asks it `PRAGMA data_version`, a read of the WAL index that changes whenever any other connection commits
/// (the bot, `lapak import`, another process). The connection never writes, so every commit anywhere moves it;
/// while it stays the same, so does the version, and the point read is skipped.
///
/// On PostgreSQL there is no such pragma: the version is the directory's own point read (migration 9's
/// counter), one round trip on a connection of the site's.
final class RegistryVersionWatch: Sendable {
    private let registry: any PublicDirectory
    /// SQLite's watching connection; nil over PostgreSQL or an in-memory database.
    private let watcher: Watcher?

    /// A watch over `registry`: SQLite's database file through a connection of its own; over an in-memory
    /// database (tests) or PostgreSQL it asks the directory.
    init(registry: any PublicDirectory) {
        self.registry = registry
        watcher = (registry as? Registry).flatMap { Watcher($0.database.writer) }
    }

    /// The registry's version now: different after any committed change of a business, a place or a check-in.
    func version() throws -> Int64 {
        if let version = watcher?.version() { return version }
        return try registry.version()
    }

    /// The watching connection behind its lock. A class of its own rather than an optional `Connection` in the
    /// `Mutex`: with Swift 6.3.1 an `Optional<Connection>.none` made by generic code (`flatMap`)
    /// was read as a connection inside `withLock`, and SQLite was called with null pointers.
    private final class Watcher: Sendable {
        private let connection: Mutex<Connection>

        init?(_ writer: any DatabaseWriter) {
            guard let opened = Connection(writer) else { return nil }
            connection = Mutex(opened)
        }

        deinit {
            connection.withLock { $0.close() }
        }

        /// The version, or nil on any SQLite error (the caller then asks the registry).
        func version() -> Int64? { connection.withLock { $0.version() } }
    }

    /// The watching connection and its two prepared statements.
    private struct Connection {
        let db: OpaquePointer
        let dataVersion: OpaquePointer
        let select: OpaquePointer
        /// `PRAGMA data_version` when `known` was read.
        var seen: Int64?
        var known: Int64 = 0

        /// Opens a second connection to the pool's file; nil when there is no file to open (an in-memory queue).
        init?(_ writer: any DatabaseWriter) {
            guard writer is DatabasePool else { return nil }
            var db: OpaquePointer?
            guard sqlite3_open_v2(writer.path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
                sqlite3_close(db)
                return nil
            }
            sqlite3_busy_timeout(db, 5_000)
            var pragma: OpaquePointer?, select: OpaquePointer?
            guard sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &pragma, nil) == SQLITE_OK, let pragma,
                  sqlite3_prepare_v2(db, "SELECT version FROM registry_version WHERE id = 1", -1, &select, nil) == SQLITE_OK,
                  let select else {
                sqlite3_finalize(pragma)
                sqlite3_close(db)
                return nil
            }
            self.db = db
            dataVersion = pragma
            self.select = select
        }

        /// The version, read only when `data_version` moved; nil on any SQLite error (the caller reads through GRDB).
        mutating func version() -> Int64? {
            // Each statement is reset at once: a statement left open would hold its read transaction, and the
            // connection would see neither commits nor a moved data_version.
            guard sqlite3_step(dataVersion) == SQLITE_ROW else {
                sqlite3_reset(dataVersion)
                return nil
            }
            let current = sqlite3_column_int64(dataVersion, 0)
            sqlite3_reset(dataVersion)
            if current == seen { return known }
            // Read after data_version: a commit in between leaves `seen` older than `known`, so the next call
            // reads again; the version returned is never older than the data_version it is kept under.
            defer { sqlite3_reset(select) }
            guard sqlite3_step(select) == SQLITE_ROW else { return nil }
            known = sqlite3_column_int64(select, 0)
            seen = current
            return known
        }

        func close() {
            sqlite3_finalize(dataVersion)
            sqlite3_finalize(select)
            sqlite3_close(db)
        }
    }
}
