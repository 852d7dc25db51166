import Foundation
import GRDB

/// Online backups and restores of Lapak's database file.
///
/// A backup uses SQLite's backup API (through GRDB) on a read-only connection: in WAL mode it reads one
/// consistent snapshot while the bot goes on writing, so the copy is the database as it was at one
/// instant, never a file copied halfway through a transaction. Each copy is checked with
/// `PRAGMA integrity_check` before it counts.
public enum DatabaseBackup {
    /// What went wrong, with what the operator should do.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// A finished copy.
    public struct Report: Sendable {
        /// The copy's path.
        public var path: String
        /// Its size in bytes.
        public var bytes: Int64
        /// Migrations applied in it (the last one names its schema).
        public var lastMigration: String?
    }

    /// Copies the database at `source` to `destination` while it may be in use, and checks the copy.
    ///
    /// The copy is written beside `destination` under a temporary name and renamed only once it passed
    /// the integrity check, so a failed or interrupted backup never leaves a broken file under the name
    /// a restore would use.
    public static func backup(databaseAt source: String, to destination: String) throws -> Report {
        guard FileManager.default.fileExists(atPath: source) else { throw Failure("no database at \(source)") }
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw Failure("\(destination) exists already; choose a new name (e.g. with the date) or remove it")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let reader = try DatabaseQueue(path: source, configuration: configuration)
        let partial = destination + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            let copy = try DatabaseQueue(path: partial)
            try reader.backup(to: copy)
            // A single self-contained file: no -wal or -shm beside the copy, even when it is opened read-only.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try copy.close()
            try reader.close()
            let report = try check(partial)
            try FileManager.default.moveItem(atPath: partial, toPath: destination)
            return Report(path: destination, bytes: report.bytes, lastMigration: report.lastMigration)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Opens a copy read-only and runs `PRAGMA integrity_check`; throws with SQLite's findings when it fails.
    public static func check(_ path: String) throws -> Report {
        guard FileManager.default.fileExists(atPath: path) else { throw Failure("no such file: \(path)") }
        var configuration = Configuration()
        configuration.readonly = true
        let copy = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? copy.close() }
        let (findings, migration): ([String], String?) = try copy.read { db in
            let findings = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            guard try db.tableExists("grdb_migrations") else { throw Failure("\(path) is not a Lapak database (no migrations table)") }
            let migration = try String.fetchOne(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1")
            return (findings, migration)
        }
        guard findings == ["ok"] else {
            throw Failure("\(path) failed the integrity check: \(findings.prefix(5).joined(separator: "; "))")
        }
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return Report(path: path, bytes: bytes, lastMigration: migration)
    }

    /// Puts the copy at `copy` in place of the database at `destination`, which no process may be using.
    ///
    /// The copy is checked first. The database it replaces is kept beside it as
    /// `<name>.before-restore-<time>` (with its WAL folded in), so a restore of the wrong file can be undone.
    /// - Returns: the path the replaced database was moved to, if there was one.
    @discardableResult
    public static func restore(from copy: String, to destination: String, now: Date = Date()) throws -> String? {
        _ = try check(copy)
        let lock = try DatabaseLock(databasePath: destination)  // refuses while a bot runs on it
        defer { withExtendedLifetime(lock) {} }
        let files = FileManager.default
        var kept: String?
        if files.fileExists(atPath: destination) {
            // Fold the WAL into the main file, so the file kept aside is whole on its own.
            let current = try DatabaseQueue(path: destination)
            try current.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try current.close()
            let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
            kept = destination + ".before-restore-" + stamp
            try files.moveItem(atPath: destination, toPath: kept!)
        }
        for suffix in ["-wal", "-shm"] { try? files.removeItem(atPath: destination + suffix) }
        let incoming = destination + ".restoring"
        try? files.removeItem(atPath: incoming)
        try files.copyItem(atPath: copy, toPath: incoming)
        try files.moveItem(atPath: incoming, toPath: destination)
        return kept
    }
}
