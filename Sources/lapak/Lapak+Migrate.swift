import ArgumentParser
import Foundation
import LapakBot
import LapakDatabase
import LapakPostgres
import Logging
import PostgresNIO

extension Lapak {
    /// `lapak migrate`: brings the database's schema up to date and exits.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the database migrations (PostgreSQL at database.url, else SQLite at database.path), then exit.",
            discussion: "Safe to run from several workers at once: PostgreSQL migrations take an advisory lock, so each is applied once.")

        @Option(name: .long, help: "A YAML configuration file whose settings override the shipped defaults.")
        var config: String?

        func run() async throws {
            do {
                let settings = try await LapakConfiguration.load(configFile: config, requireToken: false)
                if settings.databaseURL.isEmpty {
                    // Opening the SQLite file runs its migrations.
                    _ = try AppDatabase.open(path: settings.databasePath)
                    print("SQLite \(settings.databasePath): up to date")
                    return
                }
                let applied = try await PostgresMigrations.migrate(url: settings.databaseURL, logger: Logger(label: "lapak"))
                print(applied.isEmpty ? "PostgreSQL: up to date" : "PostgreSQL: applied migrations \(applied.map(String.init).joined(separator: ", "))")
            } catch {
                throw fail("\(error)")
            }
        }
    }
}
