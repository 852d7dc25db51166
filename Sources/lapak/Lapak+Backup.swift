import ArgumentParser
import Foundation
import LapakBot
import LapakDatabase

extension Lapak {
    /// `lapak backup FILE`: a consistent copy of the database while the bot runs.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the database while the bot runs (SQLite's backup API), then check the copy with PRAGMA integrity_check.")

        @Argument(help: "Where to write the copy; it must not exist yet.")
        var file: String

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        func run() async throws {
            do {
                let settings = try await LapakConfiguration.load(configFile: config, requireToken: false)
                try refuseOnPostgres(settings, doing: "copies")
                FileHandle.standardError.write(Data("lapak: copying \(settings.databasePath) to \(file)…\n".utf8))
                let started = ContinuousClock.now
                let report = try DatabaseBackup.backup(databaseAt: settings.databasePath, to: file)
                let elapsed = ContinuousClock.now - started
                print("backup: ok (\(report.path), \(ByteCountFormatter.string(fromByteCount: report.bytes, countStyle: .file)), "
                      + "integrity ok, schema \(report.lastMigration ?? "?"), \(elapsed.formatted(.units(allowed: [.seconds, .milliseconds]))))")
            } catch {
                throw fail("backup failed: \(error)")
            }
        }
    }

    /// `lapak restore FILE`: puts a copy in place while the bot is stopped.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database with a backup copy (checked first); refused while the bot runs. The replaced file is kept beside it.")

        @Argument(help: "The copy made by `lapak backup`.")
        var file: String

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        func run() async throws {
            do {
                let settings = try await LapakConfiguration.load(configFile: config, requireToken: false)
                try refuseOnPostgres(settings, doing: "replaces")
                let kept = try DatabaseBackup.restore(from: file, to: settings.databasePath)
                print("restore: ok (\(file) is now \(settings.databasePath))")
                if let kept { print("the database it replaced is kept as \(kept)") }
            } catch {
                throw fail("restore refused: \(error)")
            }
        }
    }
}

/// `lapak backup` and `lapak restore` work on the SQLite file; with `database.url` set the registry lives in
/// PostgreSQL, and copying `database.path` would make a backup of the wrong database, or restore a file
/// nobody reads. PostgreSQL is backed up with its own tools, which also cover a database shared by workers.
func refuseOnPostgres(_ settings: LapakConfiguration, doing action: String) throws {
    guard !settings.databaseURL.isEmpty else { return }
    throw ConfigurationError(setting: "database.url", message: """
        the registry is in PostgreSQL (database.url is set), and this command \(action) the SQLite file (database.path). \
        Back PostgreSQL up with its own tools: `pg_dump --format=custom --file=lapak.dump "$LAPAK_DATABASE_URL"` (restore with \
        `pg_restore --clean --dbname=…` while the workers are stopped), or continuous archiving for point-in-time recovery
        """)
}
